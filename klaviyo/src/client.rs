//! The HTTP core every typed call goes through: headers, rate limiter, retries, and the
//! mapping of Klaviyo's answers to [`Error`].
//!
//! Retried: 429 (after `Retry-After`, or backoff when absent), 502, 503, 504 and requests
//! that did not complete (connection refused, reset, timeout). Not retried: 500 and every
//! other 4xx, which say the request itself is at fault. POSTs are retried too: events carry
//! a `unique_id` Klaviyo deduplicates on, and a repeated bulk import job upserts the same
//! profiles again, so a duplicate is harmless.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::{Config, Credential};
use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorBody};
use crate::limiter::{InProcessLimiter, RateLimiter};

/// JSON:API media type, for both `Accept` and `Content-Type`.
pub const JSON_API: &str = "application/vnd.api+json";

/// A Klaviyo REST API client for one account.
///
/// Cheap to clone: clones share the connection pool and the rate limiter.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<Config>,
    limiter: Arc<dyn RateLimiter>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One request before it is sent (kept to send it again on retry).
pub(crate) struct ApiRequest {
    pub endpoint: Endpoint,
    pub method: Method,
    /// Path under the base URL, starting with `/api/`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl ApiRequest {
    pub(crate) fn get(endpoint: Endpoint, path: String) -> Self {
        Self {
            endpoint,
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn post(endpoint: Endpoint, path: &str, body: Vec<u8>) -> Self {
        Self {
            endpoint,
            method: Method::POST,
            path: path.to_owned(),
            query: Vec::new(),
            body: Some(body),
        }
    }
}

/// What one attempt came to.
enum Attempt {
    Done(Vec<u8>),
    Failed(Error),
    Retry {
        wait: Duration,
        status: Option<u16>,
        source: Option<reqwest::Error>,
    },
}

impl Client {
    /// A client that paces itself to Klaviyo's documented limits in this process.
    ///
    /// # Errors
    /// [`Error::Setup`] when the HTTP client cannot be built.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::with_limiter(config, Arc::new(InProcessLimiter::new()))
    }

    /// A client that asks `limiter` before every request (e.g. one shared by workers).
    ///
    /// # Errors
    /// [`Error::Setup`] when the HTTP client cannot be built or the config is unusable.
    pub fn with_limiter(config: Config, limiter: Arc<dyn RateLimiter>) -> Result<Self, Error> {
        if config.retry.max_attempts == 0 {
            return Err(Error::Setup("retry.max_attempts must be at least 1".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout())
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(static_headers(&config)?)
            .build()
            .map_err(|err| Error::Setup(format!("HTTP client: {err}")))?;
        Ok(Self {
            http,
            config: Arc::new(config),
            limiter,
        })
    }

    /// The same client (pool, limiter) with another credential, e.g. a refreshed token.
    #[must_use]
    pub fn with_credential(&self, credential: Credential) -> Self {
        let mut config = (*self.config).clone();
        config.credential = credential;
        Self {
            http: self.http.clone(),
            config: Arc::new(config),
            limiter: Arc::clone(&self.limiter),
        }
    }

    /// The settings in use.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sends any JSON:API document to an endpoint and returns the response body (empty
    /// for 202 without content), with the same headers, limiter and retries as the typed
    /// calls. For endpoints this crate has no type for yet.
    ///
    /// # Errors
    /// As every call: see [`Error`].
    pub async fn post_document<T: Serialize + ?Sized>(
        &self,
        endpoint: Endpoint,
        path: &str,
        document: &T,
    ) -> Result<Vec<u8>, Error> {
        let body = encode(document)?;
        self.execute(ApiRequest::post(endpoint, path, body)).await
    }

    /// Sends `request` and decodes a JSON answer.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, Error> {
        let endpoint = request.endpoint;
        let body = self.execute(request).await?;
        serde_json::from_slice(&body).map_err(|source| Error::Decode { endpoint, source })
    }

    /// Sends `request` until it succeeds, fails for good, or the attempts run out.
    pub(crate) async fn execute(&self, request: ApiRequest) -> Result<Vec<u8>, Error> {
        let policy = self.config.retry;
        let mut attempt = 1;
        loop {
            self.limiter
                .acquire(request.endpoint)
                .await
                .map_err(Error::Limiter)?;
            let (wait, status, source) = match self.attempt(&request, attempt).await {
                Attempt::Done(body) => return Ok(body),
                Attempt::Failed(err) => return Err(err),
                Attempt::Retry {
                    wait,
                    status,
                    source,
                } => (wait, status, source),
            };
            if attempt >= policy.max_attempts {
                return Err(gave_up(request.endpoint, attempt, status, source));
            }
            tracing::warn!(
                endpoint = %request.endpoint,
                attempt,
                status,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "Klaviyo call failed transiently; retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, request: &ApiRequest, attempt: u32) -> Attempt {
        let policy = self.config.retry;
        let response = match self.build(request).send().await {
            Ok(response) => response,
            // The URL is cut: it is ours, but error chains end up in logs and queues.
            Err(err) => {
                return Attempt::Retry {
                    wait: policy.backoff(attempt),
                    status: None,
                    source: Some(err.without_url()),
                };
            }
        };
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body = match response.bytes().await {
            Ok(body) => body.to_vec(),
            Err(err) => {
                return Attempt::Retry {
                    wait: policy.backoff(attempt),
                    status: Some(status.as_u16()),
                    source: Some(err.without_url()),
                };
            }
        };
        if status.is_success() {
            return Attempt::Done(body);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = policy.after_throttle(retry_after, attempt);
            self.limiter.throttled(request.endpoint, wait);
            return Attempt::Retry {
                wait,
                status: Some(429),
                source: None,
            };
        }
        if matches!(status.as_u16(), 502..=504) {
            return Attempt::Retry {
                wait: policy.backoff(attempt),
                status: Some(status.as_u16()),
                source: None,
            };
        }
        Attempt::Failed(refused(request.endpoint, status, &body, attempt))
    }

    fn build(&self, request: &ApiRequest) -> reqwest::RequestBuilder {
        let url = format!(
            "{}{}",
            self.config.base_url.trim_end_matches('/'),
            request.path
        );
        let mut builder = self
            .http
            .request(request.method.clone(), url)
            .header(AUTHORIZATION, authorization(&self.config.credential));
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(body) = &request.body {
            builder = builder.header(CONTENT_TYPE, JSON_API).body(body.clone());
        }
        builder
    }
}

/// Headers of every request but the credential (which can change).
fn static_headers(config: &Config) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::new();
    let revision = HeaderValue::from_str(&config.revision).map_err(|_invalid| {
        Error::Setup(format!(
            "revision {:?} is not a header value",
            config.revision
        ))
    })?;
    headers.insert("revision", revision);
    headers.insert(ACCEPT, HeaderValue::from_static(JSON_API));
    Ok(headers)
}

fn authorization(credential: &Credential) -> HeaderValue {
    let text = match credential {
        Credential::ApiKey(key) => format!("Klaviyo-API-Key {}", key.expose_secret()),
        Credential::OauthAccessToken(token) => format!("Bearer {}", token.expose_secret()),
    };
    // A key with a newline cannot be sent; an empty header makes Klaviyo answer 401.
    let mut value = HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""));
    value.set_sensitive(true);
    value
}

/// `Retry-After` in seconds (Klaviyo sends an integer); an HTTP date is not used by
/// Klaviyo and falls back to backoff.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: f64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

fn refused(endpoint: Endpoint, status: StatusCode, body: &[u8], attempts: u32) -> Error {
    let errors = serde_json::from_slice::<ErrorBody>(body)
        .map(|body| body.errors)
        .unwrap_or_default();
    match status.as_u16() {
        401 => Error::Unauthorized { errors },
        403 => Error::Forbidden { endpoint, errors },
        code if code >= 500 => Error::Unavailable {
            endpoint,
            attempts,
            status: Some(code),
            source: None,
        },
        code => Error::Rejected {
            endpoint,
            status: code,
            errors,
        },
    }
}

fn gave_up(
    endpoint: Endpoint,
    attempts: u32,
    status: Option<u16>,
    source: Option<reqwest::Error>,
) -> Error {
    if status == Some(429) {
        Error::RateLimited { endpoint, attempts }
    } else {
        Error::Unavailable {
            endpoint,
            attempts,
            status,
            source,
        }
    }
}

/// Serialises a request body.
pub(crate) fn encode<T: Serialize + ?Sized>(document: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(document).map_err(|err| Error::Setup(format!("encoding a body: {err}")))
}
