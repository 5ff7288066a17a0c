//! Client of Shopify's token endpoint, `POST https://{shop}/admin/oauth/access_token`, for its
//! three grants: authorization code, token exchange (session token → expiring offline token)
//! and refresh.
//!
//! Plain `reqwest` with serde types rather than the `oauth2` crate: Shopify's token response
//! has no `token_type` (which `oauth2`'s standard response requires), adds
//! `refresh_token_expires_in`, and token exchange is not one of `oauth2`'s grants, so using it
//! would mean a custom response type, a custom grant, and a second `reqwest` version (oauth2
//! 5 pins reqwest 0.12). The one thing kept from OAuth 2.0 is its error shape: non-2xx
//! answers are parsed as `{"error": …, "error_description": …}` and kept in
//! [`TokenError::Rejected`].

use std::time::Duration;

use entity::ShopDomain;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::{AppCredentials, ShopUrls};

/// `grant_type` of token exchange.
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `subject_token_type` of a session token.
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
/// `requested_token_type` of an offline token.
pub const OFFLINE_TOKEN_TYPE: &str = "urn:shopify:params:oauth:token-type:offline-access-token";

/// Why the token endpoint did not give a token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Shopify answered with an OAuth error (`invalid_request`, `invalid_grant`,
    /// `invalid_subject_token`, …).
    #[error("Shopify refused the token request ({status}): {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Rejected {
        /// HTTP status.
        status: u16,
        /// OAuth error code.
        error: String,
        /// Shopify's explanation, when given.
        description: Option<String>,
    },
    /// The request did not complete (network, timeout, 5xx without an OAuth body).
    #[error("token endpoint unreachable")]
    Transport(#[source] crate::BoxError),
    /// A 2xx answer that is not a token response.
    #[error("token endpoint answered something unexpected")]
    Decode(#[source] serde_json::Error),
}

impl TokenError {
    /// Retrying later may help (network trouble, Shopify 5xx or 429).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Rejected { status, .. } => *status >= 500 || *status == 429,
            Self::Transport(_) => true,
            Self::Decode(_) => false,
        }
    }
}

/// A token as Shopify returns it.
#[derive(Clone, Deserialize)]
pub struct AccessToken {
    /// The access token (`shpat_…` / `shpua_…`).
    pub access_token: SecretString,
    /// Granted scopes, comma-separated.
    #[serde(default)]
    pub scope: String,
    /// Seconds until the access token expires (expiring tokens only).
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// Refresh token (expiring tokens only); rotates on every use.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// Seconds until the refresh token expires.
    #[serde(default)]
    pub refresh_token_expires_in: Option<i64>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("scope", &self.scope)
            .field("expires_in", &self.expires_in)
            .field("refresh_token_expires_in", &self.refresh_token_expires_in)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Calls a shop's token endpoint with the app's credentials.
#[derive(Debug, Clone)]
pub struct TokenClient {
    http: reqwest::Client,
    urls: ShopUrls,
    credentials: AppCredentials,
}

impl TokenClient {
    /// A client with a request `timeout`.
    ///
    /// # Errors
    /// [`TokenError::Transport`] when the HTTP client cannot be built (TLS set-up).
    pub fn new(
        credentials: AppCredentials,
        urls: ShopUrls,
        timeout: Duration,
    ) -> Result<Self, TokenError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| TokenError::Transport(err.without_url().into()))?;
        Ok(Self {
            http,
            urls,
            credentials,
        })
    }

    /// The app's credentials.
    #[must_use]
    pub fn credentials(&self) -> &AppCredentials {
        &self.credentials
    }

    /// Where shops' endpoints live.
    #[must_use]
    pub fn urls(&self) -> &ShopUrls {
        &self.urls
    }

    /// Exchanges an authorization `code` from the install callback (offline token).
    ///
    /// # Errors
    /// [`TokenError`] with Shopify's answer when it refuses.
    pub async fn exchange_code(
        &self,
        shop: &ShopDomain,
        code: &str,
    ) -> Result<AccessToken, TokenError> {
        self.post(shop, &[("code", code)]).await
    }

    /// Token exchange: a verified session token for an **expiring** offline token.
    ///
    /// # Errors
    /// [`TokenError`] with Shopify's answer (e.g. `invalid_subject_token`) when it refuses.
    pub async fn exchange_session_token(
        &self,
        shop: &ShopDomain,
        session_token: &str,
    ) -> Result<AccessToken, TokenError> {
        self.post(
            shop,
            &[
                ("grant_type", TOKEN_EXCHANGE_GRANT),
                ("subject_token", session_token),
                ("subject_token_type", ID_TOKEN_TYPE),
                ("requested_token_type", OFFLINE_TOKEN_TYPE),
                ("expiring", "1"),
            ],
        )
        .await
    }

    /// Refreshes an expiring offline token; the answer carries a **new** refresh token.
    ///
    /// # Errors
    /// [`TokenError`] with Shopify's answer (e.g. `invalid_grant`) when it refuses.
    pub async fn refresh(
        &self,
        shop: &ShopDomain,
        refresh_token: &SecretString,
    ) -> Result<AccessToken, TokenError> {
        self.post(
            shop,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose_secret()),
            ],
        )
        .await
    }

    async fn post(
        &self,
        shop: &ShopDomain,
        params: &[(&str, &str)],
    ) -> Result<AccessToken, TokenError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("client_id", self.credentials.client_id.as_str()),
            (
                "client_secret",
                self.credentials.client_secret.expose_secret(),
            ),
        ];
        form.extend_from_slice(params);
        let response = self
            .http
            .post(self.urls.access_token(shop))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            // reqwest errors carry the URL, never the body: safe to keep.
            .map_err(|err| TokenError::Transport(err.without_url().into()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|err| TokenError::Transport(err.without_url().into()))?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(TokenError::Decode);
        }
        match serde_json::from_slice::<OAuthErrorBody>(&body) {
            Ok(oauth) => Err(TokenError::Rejected {
                status: status.as_u16(),
                error: oauth.error,
                description: oauth.error_description,
            }),
            Err(_) if status.is_server_error() => {
                Err(TokenError::Transport(format!("HTTP {status}").into()))
            }
            Err(_) => Err(TokenError::Rejected {
                status: status.as_u16(),
                error: format!("http_{}", status.as_u16()),
                description: None,
            }),
        }
    }
}

/// Calls `call` with a fresh token; if Shopify answers 401 (the token was revoked or expired
/// early), refreshes once and retries once.
///
/// `token` returns the current access token; `refresh` forces a refresh and returns the new
/// one; `call` returns `Err(Unauthorized)` on a 401.
///
/// # Errors
/// The call's error, or the refresh's error mapped with `From`.
pub async fn with_refresh_on_401<T, E, Tok, Ref, Call, TokFut, RefFut, CallFut>(
    token: Tok,
    refresh: Ref,
    mut call: Call,
) -> Result<T, E>
where
    E: From<Unauthorized>,
    Tok: FnOnce() -> TokFut,
    TokFut: Future<Output = Result<SecretString, E>>,
    Ref: FnOnce() -> RefFut,
    RefFut: Future<Output = Result<SecretString, E>>,
    Call: FnMut(SecretString) -> CallFut,
    CallFut: Future<Output = Result<T, ApiCallError<E>>>,
{
    let current = token().await?;
    match call(current).await {
        Ok(value) => Ok(value),
        Err(ApiCallError::Other(err)) => Err(err),
        Err(ApiCallError::Unauthorized) => {
            tracing::info!("Shopify answered 401; refreshing the token once and retrying");
            let fresh = refresh().await?;
            match call(fresh).await {
                Ok(value) => Ok(value),
                Err(ApiCallError::Other(err)) => Err(err),
                Err(ApiCallError::Unauthorized) => Err(E::from(Unauthorized)),
            }
        }
    }
}

/// The outcome of one authenticated Admin API call, for [`with_refresh_on_401`].
#[derive(Debug)]
pub enum ApiCallError<E> {
    /// Shopify answered 401.
    Unauthorized,
    /// Anything else.
    Other(E),
}

/// Shopify refused the token even after a refresh.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("Shopify refused the access token even after a refresh")]
pub struct Unauthorized;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Failure {
        Unauthorized,
    }

    impl From<Unauthorized> for Failure {
        fn from(_: Unauthorized) -> Self {
            Self::Unauthorized
        }
    }

    #[tokio::test]
    async fn a_401_refreshes_once_and_retries() {
        let calls = std::cell::Cell::new(0);
        let result: Result<&str, Failure> = with_refresh_on_401(
            || async { Ok(SecretString::from("old")) },
            || async { Ok(SecretString::from("new")) },
            |token: SecretString| {
                calls.set(calls.get() + 1);
                async move {
                    if token.expose_secret() == "new" {
                        Ok("data")
                    } else {
                        Err(ApiCallError::Unauthorized)
                    }
                }
            },
        )
        .await;
        assert_eq!(result, Ok("data"));
        assert_eq!(calls.get(), 2);
    }

    #[tokio::test]
    async fn a_second_401_gives_up() {
        let result: Result<(), Failure> = with_refresh_on_401(
            || async { Ok(SecretString::from("old")) },
            || async { Ok(SecretString::from("new")) },
            |_token: SecretString| async { Err(ApiCallError::Unauthorized) },
        )
        .await;
        assert_eq!(result, Err(Failure::Unauthorized));
    }
}
