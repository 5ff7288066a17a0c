//! Client of the GraphQL Admin API, `POST {shop}/admin/api/{version}/graphql.json`, that
//! stays inside Shopify's cost-based rate limit and retries what Shopify asks to retry.
//!
//! Shopify meters each app and shop with a leaky bucket of query-cost points; every answer
//! carries `extensions.cost { requestedQueryCost, actualQueryCost, throttleStatus {
//! maximumAvailable, currentlyAvailable, restoreRate } }`. The client remembers the last
//! status per shop and what each query document cost last time, and waits before a call
//! that would not fit. Over budget, Shopify answers HTTP 200 with
//! `errors[].extensions.code == "THROTTLED"`; that, 429 (honouring `Retry-After`) and 5xx are
//! retried with exponential backoff. A 401 is [`AdminError::Unauthorized`], so the caller can
//! refresh the token once and call again (see [`crate::client::with_refresh_on_401`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use entity::ShopDomain;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::ShopUrls;

/// Why an Admin API call failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// HTTP 401: the access token is invalid or expired.
    #[error("Shopify refused the access token (401)")]
    Unauthorized,
    /// Still throttled after every retry.
    #[error("throttled by Shopify after {attempts} attempts")]
    Throttled {
        /// Attempts made.
        attempts: u32,
    },
    /// An HTTP error status (after retries for 429 and 5xx).
    #[error("Shopify answered HTTP {status} after {attempts} attempts")]
    Http {
        /// HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The request did not complete (network, timeout); the URL is cut from the cause.
    #[error("Admin API unreachable")]
    Transport(#[source] reqwest::Error),
    /// GraphQL errors other than throttling (bad query, access denied, …).
    #[error("GraphQL errors: {}", .0.join("; "))]
    GraphQl(Vec<String>),
    /// The answer is not the expected shape.
    #[error("unexpected Admin API answer")]
    Decode(#[source] crate::BoxError),
}

impl AdminError {
    /// Retrying later may help.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Throttled { .. } | Self::Transport(_) => true,
            Self::Http { status, .. } => *status >= 500 || *status == 429,
            Self::Unauthorized | Self::GraphQl(_) | Self::Decode(_) => false,
        }
    }
}

/// Retry budget and backoff of one call.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// First backoff; doubles on each retry.
    pub base_delay: Duration,
    /// Longest single wait (also caps `Retry-After` and throttle waits).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2_u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// `extensions.cost.throttleStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    /// Bucket size in points.
    pub maximum_available: f64,
    /// Points available when Shopify answered.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

/// `extensions.cost`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryCost {
    /// Cost Shopify reserved for the query.
    pub requested_query_cost: Option<f64>,
    /// Cost actually charged (`null` when throttled).
    pub actual_query_cost: Option<f64>,
    /// The bucket after the call.
    pub throttle_status: ThrottleStatus,
}

#[derive(Deserialize)]
struct Envelope {
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<GraphQlError>,
    extensions: Option<Extensions>,
}

#[derive(Deserialize)]
struct Extensions {
    cost: Option<QueryCost>,
}

#[derive(Deserialize)]
struct GraphQlError {
    #[serde(default)]
    message: String,
    extensions: Option<ErrorExtensions>,
}

#[derive(Deserialize)]
struct ErrorExtensions {
    code: Option<String>,
}

/// The last known bucket of a shop.
#[derive(Clone, Copy)]
struct Bucket {
    status: ThrottleStatus,
    seen: Instant,
}

impl Bucket {
    /// Seconds to wait until `cost` points are available, by the leaky-bucket refill.
    fn wait_for(&self, cost: f64) -> Duration {
        let status = self.status;
        let refilled = status.currently_available
            + self.seen.elapsed().as_secs_f64() * status.restore_rate.max(0.0);
        let available = refilled.min(status.maximum_available);
        let needed = cost.min(status.maximum_available) - available;
        if needed <= 0.0 || status.restore_rate <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(needed / status.restore_rate)
    }
}

#[derive(Default)]
struct Budget {
    buckets: HashMap<String, Bucket>,
    /// Requested cost of each query document, as Shopify last computed it.
    costs: HashMap<String, f64>,
}

/// Calls shops' GraphQL Admin API; one per process is enough (it holds the throttle state).
#[derive(Debug)]
pub struct AdminClient {
    http: reqwest::Client,
    urls: ShopUrls,
    version: String,
    policy: RetryPolicy,
    budget: Mutex<BudgetCell>,
}

/// Wrapper so `Budget` need not be `Debug`.
#[derive(Default)]
struct BudgetCell(Budget);

impl std::fmt::Debug for BudgetCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Budget")
    }
}

/// What one attempt decided.
enum Attempt {
    Done(Value),
    Retry(Duration, AdminError),
}

impl AdminClient {
    /// A client for API `version` (e.g. `2026-07`) with a per-request `timeout`.
    ///
    /// # Errors
    /// [`AdminError::Transport`] when the HTTP client cannot be built.
    pub fn new(
        urls: ShopUrls,
        version: &str,
        timeout: Duration,
        policy: RetryPolicy,
    ) -> Result<Self, AdminError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| AdminError::Transport(err.without_url()))?;
        Ok(Self {
            http,
            urls,
            version: version.to_owned(),
            policy,
            budget: Mutex::default(),
        })
    }

    /// The retry policy.
    #[must_use]
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    /// Runs `query` with `variables` and returns its `data`, typed.
    ///
    /// # Errors
    /// [`AdminError`]; [`AdminError::Unauthorized`] on a 401 (never retried here).
    pub async fn query<T: DeserializeOwned>(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        query: &str,
        variables: Value,
    ) -> Result<T, AdminError> {
        let body = json!({"query": query, "variables": variables});
        let mut attempt = 0;
        loop {
            attempt += 1;
            let wait = self.wait_before(shop, query);
            if !wait.is_zero() {
                tracing::debug!(?wait, "waiting for the query-cost bucket to refill");
                tokio::time::sleep(wait).await;
            }
            match self.attempt(shop, token, query, &body, attempt).await? {
                Attempt::Done(data) => {
                    return serde_json::from_value(data)
                        .map_err(|err| AdminError::Decode(err.into()));
                }
                Attempt::Retry(_, err) if attempt >= self.policy.max_attempts => return Err(err),
                Attempt::Retry(delay, err) => {
                    tracing::info!(err = ?err, attempt, ?delay, "retrying Admin API call");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        query: &str,
        body: &Value,
        attempt: u32,
    ) -> Result<Attempt, AdminError> {
        let sent = self
            .http
            .post(self.urls.graphql(shop, &self.version))
            .header("X-Shopify-Access-Token", token.expose_secret())
            .json(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => {
                let err = AdminError::Transport(err.without_url());
                return Ok(Attempt::Retry(self.policy.backoff(attempt), err));
            }
        };
        let status = response.status().as_u16();
        if status == 401 {
            return Err(AdminError::Unauthorized);
        }
        if status == 429 || status >= 500 {
            let delay = retry_after(response.headers())
                .unwrap_or_else(|| self.policy.backoff(attempt))
                .min(self.policy.max_delay);
            return Ok(Attempt::Retry(
                delay,
                AdminError::Http {
                    status,
                    attempts: attempt,
                },
            ));
        }
        if !(200..300).contains(&status) {
            return Err(AdminError::Http {
                status,
                attempts: attempt,
            });
        }
        let envelope: Envelope = response
            .json()
            .await
            .map_err(|err| AdminError::Decode(err.into()))?;
        self.read_envelope(shop, query, envelope, attempt)
    }

    fn read_envelope(
        &self,
        shop: &ShopDomain,
        query: &str,
        envelope: Envelope,
        attempt: u32,
    ) -> Result<Attempt, AdminError> {
        let cost = envelope.extensions.and_then(|ext| ext.cost);
        if let Some(cost) = cost {
            self.remember(shop, query, cost);
        }
        let throttled = envelope.errors.iter().any(|err| {
            err.extensions.as_ref().and_then(|e| e.code.as_deref()) == Some("THROTTLED")
        });
        if throttled {
            let refill = cost.map(|cost| {
                let bucket = Bucket {
                    status: cost.throttle_status,
                    seen: Instant::now(),
                };
                bucket.wait_for(cost.requested_query_cost.unwrap_or(0.0))
            });
            let delay = refill
                .filter(|d| !d.is_zero())
                .unwrap_or_else(|| self.policy.backoff(attempt))
                .min(self.policy.max_delay);
            return Ok(Attempt::Retry(
                delay,
                AdminError::Throttled { attempts: attempt },
            ));
        }
        if !envelope.errors.is_empty() {
            let messages = envelope.errors.into_iter().map(|err| err.message).collect();
            return Err(AdminError::GraphQl(messages));
        }
        envelope
            .data
            .map(Attempt::Done)
            .ok_or_else(|| AdminError::Decode("no data and no errors".into()))
    }

    fn remember(&self, shop: &ShopDomain, query: &str, cost: QueryCost) {
        let Ok(mut cell) = self.budget.lock() else {
            return;
        };
        let budget = &mut cell.0;
        budget.buckets.insert(
            shop.as_str().to_owned(),
            Bucket {
                status: cost.throttle_status,
                seen: Instant::now(),
            },
        );
        if let Some(requested) = cost.requested_query_cost {
            budget.costs.insert(query.to_owned(), requested);
        }
    }

    /// How long to wait so that `query` (at its last known cost) fits in the shop's bucket.
    fn wait_before(&self, shop: &ShopDomain, query: &str) -> Duration {
        let Ok(cell) = self.budget.lock() else {
            return Duration::ZERO;
        };
        let budget = &cell.0;
        let (Some(bucket), Some(cost)) =
            (budget.buckets.get(shop.as_str()), budget.costs.get(query))
        else {
            return Duration::ZERO;
        };
        bucket.wait_for(*cost).min(self.policy.max_delay)
    }

    /// Starts downloading a bulk-operation result (`url` or `partialDataUrl`, pre-signed: no
    /// access token is sent). The caller streams the body.
    ///
    /// # Errors
    /// [`AdminError::Http`] for a non-2xx status (an expired URL answers 403),
    /// [`AdminError::Transport`] when the request fails.
    pub async fn download(&self, url: &str) -> Result<reqwest::Response, AdminError> {
        // No overall timeout: a result can be gigabytes; a stalled read still fails.
        let response = reqwest::Client::builder()
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|err| AdminError::Transport(err.without_url()))?
            .get(url)
            .send()
            .await
            .map_err(|err| AdminError::Transport(err.without_url()))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            Ok(response)
        } else {
            Err(AdminError::Http {
                status,
                attempts: 1,
            })
        }
    }
}

/// `Retry-After` in (possibly fractional) seconds, as Shopify sends it (`2.0`).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = text.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_refills_at_the_restore_rate() {
        let bucket = Bucket {
            status: ThrottleStatus {
                maximum_available: 1000.0,
                currently_available: 100.0,
                restore_rate: 50.0,
            },
            seen: Instant::now(),
        };
        let wait = bucket.wait_for(600.0).as_secs_f64();
        assert!((9.9..=10.0).contains(&wait), "{wait}");
        assert_eq!(bucket.wait_for(50.0), Duration::ZERO);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(2), Duration::from_millis(200));
        assert_eq!(policy.backoff(3), Duration::from_millis(350));
    }

    #[test]
    fn throttled_answers_are_recognised_in_shopify_s_shape() {
        let body = r#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}],"extensions":{"cost":{"requestedQueryCost":752,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":666,"restoreRate":50.0}}}}"#;
        let envelope: Envelope = serde_json::from_str(body).unwrap_or_else(|err| panic!("{err}"));
        let client = AdminClient::new(
            ShopUrls::default(),
            "2026-07",
            Duration::from_secs(1),
            RetryPolicy::default(),
        )
        .unwrap_or_else(|err| panic!("{err}"));
        let shop = ShopDomain::parse("a.myshopify.com").unwrap_or_else(|err| panic!("{err:?}"));
        let outcome = client.read_envelope(&shop, "{ shop { id } }", envelope, 1);
        match outcome {
            Ok(Attempt::Retry(delay, AdminError::Throttled { .. })) => {
                assert!(delay.as_secs_f64() > 1.6, "{delay:?}");
            }
            _ => panic!("expected a throttled retry"),
        }
    }
}
