//! Klaviyo OAuth for multi-merchant installs: authorization code with PKCE (S256) and
//! `state`, code exchange, refresh (refresh tokens rotate: keep the new one), revocation.
//!
//! Endpoints, from Klaviyo's "Make API calls using OAuth" guide: the user authorizes at
//! `https://www.klaviyo.com/oauth/authorize`; token traffic goes to
//! `https://a.klaviyo.com/oauth/token` and `https://a.klaviyo.com/oauth/revoke` (Klaviyo has
//! blocked token calls through `www.klaviyo.com` since 2025-03-31). Both token endpoints
//! take a form body with HTTP Basic client authentication; PKCE is required.
//!
//! Built on the `oauth2` crate (authorization URL, PKCE, code and refresh grants) with its
//! HTTP client trait implemented over this workspace's reqwest 0.13 ([`OAuthHttp`]): the
//! crate's bundled client is reqwest 0.12. Revocation is a plain form POST (see
//! [`OAuthClient::revoke`]).
//! `oauth2` URL-encodes the client id and secret before Base64 in the Basic header, as RFC
//! 6749 §2.3.1 asks; Klaviyo's guide shows plain `id:secret`, which is the same bytes for
//! Klaviyo's alphanumeric client ids and secrets.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::BoxError;

/// Where users authorize the app.
pub const AUTHORIZE_URL: &str = "https://www.klaviyo.com/oauth/authorize";
/// Code exchange and refresh.
pub const TOKEN_URL: &str = "https://a.klaviyo.com/oauth/token";
/// Token revocation.
pub const REVOKE_URL: &str = "https://a.klaviyo.com/oauth/revoke";

/// The app's OAuth registration with Klaviyo.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthConfig {
    /// Client id from Klaviyo's app settings.
    pub client_id: String,
    /// Client secret.
    pub client_secret: SecretString,
    /// Where Klaviyo sends the user back (must be registered with the app).
    pub redirect_url: String,
    /// Scopes to ask for, e.g. `accounts:read profiles:read profiles:write events:write`.
    pub scopes: Vec<String>,
    /// Authorization page (default [`AUTHORIZE_URL`]).
    #[serde(default = "default_authorize_url")]
    pub authorize_url: String,
    /// Token endpoint (default [`TOKEN_URL`]).
    #[serde(default = "default_token_url")]
    pub token_url: String,
    /// Revocation endpoint (default [`REVOKE_URL`]).
    #[serde(default = "default_revoke_url")]
    pub revoke_url: String,
}

fn default_authorize_url() -> String {
    AUTHORIZE_URL.to_owned()
}
fn default_token_url() -> String {
    TOKEN_URL.to_owned()
}
fn default_revoke_url() -> String {
    REVOKE_URL.to_owned()
}

impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("revoke_url", &self.revoke_url)
            .finish()
    }
}

/// Why an OAuth step failed.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// Klaviyo answered with an OAuth error (`invalid_grant`, `invalid_client`, …).
    #[error("Klaviyo refused the OAuth request: {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Rejected {
        /// OAuth error code.
        error: String,
        /// Klaviyo's explanation.
        description: Option<String>,
    },
    /// The request did not complete or Klaviyo answered 5xx.
    #[error("Klaviyo's OAuth endpoint is unreachable")]
    Transport(#[source] BoxError),
    /// A URL in the config is not a URL.
    #[error("OAuth config: {0}")]
    Config(String),
    /// The answer is not a token response.
    #[error("unexpected answer from Klaviyo's OAuth endpoint")]
    Decode(#[source] BoxError),
}

/// What to send the user to, and what to keep until the callback.
pub struct AuthorizationRequest {
    /// The authorization URL with `response_type=code`, `client_id`, `redirect_uri`,
    /// `scope`, `state`, `code_challenge` and `code_challenge_method=S256`.
    pub url: url::Url,
    /// The `state` nonce: compare it with the callback's (see [`state_matches`]).
    pub state: String,
    /// The PKCE verifier: keep it server-side until the code exchange.
    pub pkce_verifier: SecretString,
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// Compares the callback's `state` with the one issued, in constant time.
#[must_use]
pub fn state_matches(issued: &str, returned: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    issued.as_bytes().ct_eq(returned.as_bytes()).into()
}

/// Tokens from the token endpoint.
#[derive(Clone)]
pub struct Tokens {
    /// Bearer token for API calls.
    pub access_token: SecretString,
    /// The refresh token; Klaviyo rotates it on refresh, so store this one.
    pub refresh_token: Option<SecretString>,
    /// Lifetime of the access token.
    pub expires_in: Option<Duration>,
    /// Scopes granted.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl From<BasicTokenResponse> for Tokens {
    fn from(response: BasicTokenResponse) -> Self {
        Self {
            access_token: response.access_token().secret().clone().into(),
            refresh_token: response
                .refresh_token()
                .map(|token| token.secret().clone().into()),
            expires_in: response.expires_in(),
            scopes: response
                .scopes()
                .map(|scopes| scopes.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
        }
    }
}

type Configured =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Klaviyo's OAuth endpoints for one app.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    client: Configured,
    http: OAuthHttp,
    scopes: Vec<String>,
    client_id: String,
    client_secret: SecretString,
    revoke_url: url::Url,
}

impl OAuthClient {
    /// A client with a request `timeout`.
    ///
    /// # Errors
    /// [`OAuthError::Config`] for a bad URL; [`OAuthError::Transport`] when the HTTP client
    /// cannot be built.
    pub fn new(config: &OAuthConfig, timeout: Duration) -> Result<Self, OAuthError> {
        let bad = |what: &str, err: url::ParseError| OAuthError::Config(format!("{what}: {err}"));
        secure_url("token_url", &config.token_url)?;
        let revoke_url = secure_url("revoke_url", &config.revoke_url)?;
        let client = BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                config.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(
                AuthUrl::new(config.authorize_url.clone()).map_err(|e| bad("authorize_url", e))?,
            )
            .set_token_uri(
                TokenUrl::new(config.token_url.clone()).map_err(|e| bad("token_url", e))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(config.redirect_url.clone())
                    .map_err(|e| bad("redirect_url", e))?,
            );
        Ok(Self {
            client,
            http: OAuthHttp::new(timeout)?,
            scopes: config.scopes.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            revoke_url,
        })
    }

    /// A fresh authorization URL with a PKCE pair and the `state` `{tag}.{random}`: the
    /// tag tells the callback, which arrives without a session, whose request it answers
    /// (it is not secret; the random part is).
    #[must_use]
    pub fn authorization_request(&self, tag: &str) -> AuthorizationRequest {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let random = CsrfToken::new_random();
        let (url, state) = self
            .client
            .authorize_url(|| CsrfToken::new(format!("{tag}.{}", random.secret())))
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        AuthorizationRequest {
            url,
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone().into(),
        }
    }

    /// Exchanges the callback's `code` (with the verifier kept from the request).
    ///
    /// # Errors
    /// [`OAuthError::Rejected`] with Klaviyo's OAuth error; otherwise transport/decoding.
    pub async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: &SecretString,
    ) -> Result<Tokens, OAuthError> {
        self.client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(
                pkce_verifier.expose_secret().to_owned(),
            ))
            .request_async(&self.http)
            .await
            .map(Tokens::from)
            .map_err(token_error)
    }

    /// Gets a new access token; the answer carries a **new** refresh token (rotation).
    ///
    /// # Errors
    /// [`OAuthError::Rejected`] (`invalid_grant`) for a used, revoked or expired token.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Tokens, OAuthError> {
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        self.client
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await
            .map(Tokens::from)
            .map_err(token_error)
    }

    /// Revokes a refresh token (the app is uninstalled or disconnected): `POST` to the
    /// revocation URL with `token` and `token_type_hint=refresh_token`, Basic client auth.
    ///
    /// Sent without `oauth2`'s revocation request because that one refuses any `http://`
    /// URL, the fake's included; [`OAuthClient::new`] keeps the same guarantee for real
    /// hosts by refusing `http://` anywhere but on loopback.
    ///
    /// # Errors
    /// [`OAuthError::Rejected`] when Klaviyo refuses.
    pub async fn revoke(&self, refresh_token: &SecretString) -> Result<(), OAuthError> {
        let form = [
            ("token", refresh_token.expose_secret()),
            ("token_type_hint", "refresh_token"),
        ];
        let response = self
            .http
            .http
            .post(self.revoke_url.as_str())
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|err| OAuthError::Transport(Box::new(err.without_url())))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response
            .bytes()
            .await
            .map_err(|err| OAuthError::Transport(Box::new(err.without_url())))?;
        Err(revoke_error(status, &body))
    }
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

fn revoke_error(status: reqwest::StatusCode, body: &[u8]) -> OAuthError {
    if status.is_server_error() {
        return OAuthError::Transport(Box::new(HttpError::Server(status)));
    }
    match serde_json::from_slice::<OAuthErrorBody>(body) {
        Ok(oauth) => OAuthError::Rejected {
            error: oauth.error,
            description: oauth.error_description,
        },
        Err(_) => OAuthError::Rejected {
            error: format!("http_{}", status.as_u16()),
            description: None,
        },
    }
}

/// Token traffic carries the client secret: HTTPS only, except to a loopback host (tests).
fn secure_url(what: &str, url: &str) -> Result<url::Url, OAuthError> {
    let parsed =
        url::Url::parse(url).map_err(|err| OAuthError::Config(format!("{what}: {err}")))?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback) {
        Ok(parsed)
    } else {
        Err(OAuthError::Config(format!("{what} must be https: {url}")))
    }
}

fn token_error<T>(err: RequestTokenError<HttpError, oauth2::StandardErrorResponse<T>>) -> OAuthError
where
    T: oauth2::ErrorResponseType + std::fmt::Display + 'static,
{
    match err {
        RequestTokenError::ServerResponse(response) => OAuthError::Rejected {
            error: response.error().to_string(),
            description: response.error_description().cloned(),
        },
        RequestTokenError::Request(err) => OAuthError::Transport(Box::new(err)),
        RequestTokenError::Parse(err, _) => OAuthError::Decode(Box::new(err)),
        RequestTokenError::Other(message) => OAuthError::Transport(message.into()),
    }
}

/// Why a token request got no usable answer: it did not complete, or Klaviyo answered
/// 5xx. The second is sorted out before `oauth2` reads the body, which would otherwise
/// report a 503 carrying an OAuth error body as a refusal, and an outage is not one.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request did not complete.
    #[error("the request to Klaviyo's token endpoint failed")]
    Request(#[source] reqwest::Error),
    /// Klaviyo answered with a server error.
    #[error("Klaviyo's token endpoint answered HTTP {0}")]
    Server(reqwest::StatusCode),
}

/// `oauth2`'s async HTTP client trait over reqwest 0.13, without redirects (following one
/// from a token endpoint would leak the code or secret to wherever it points).
#[derive(Debug, Clone)]
pub struct OAuthHttp {
    http: reqwest::Client,
}

impl OAuthHttp {
    /// A client with a request `timeout`.
    ///
    /// # Errors
    /// [`OAuthError::Transport`] when TLS cannot be set up.
    pub fn new(timeout: Duration) -> Result<Self, OAuthError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| OAuthError::Transport(Box::new(err)))?;
        Ok(Self { http })
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let failed = |err: reqwest::Error| HttpError::Request(err.without_url());
        let request = reqwest::Request::try_from(request).map_err(failed)?;
        let response = self.http.execute(request).await.map_err(failed)?;
        if response.status().is_server_error() {
            return Err(HttpError::Server(response.status()));
        }
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let body = response.bytes().await.map_err(failed)?.to_vec();
        // Status and headers came from a valid response, so this cannot fail; an empty
        // answer would only make oauth2 report a parse error.
        Ok(builder.body(body).unwrap_or_default())
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for OAuthHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
