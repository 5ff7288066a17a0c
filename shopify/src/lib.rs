//! Shopify's side of the wire, without any web framework: the HMAC signatures Shopify puts on
//! OAuth redirects, webhooks and app-proxy requests ([`signature`]), App Bridge session tokens
//! ([`session_token`]), the `/admin/oauth/access_token` endpoint ([`client`]), where a shop's
//! endpoints live ([`ShopUrls`]), and how tokens are encrypted at rest ([`TokenCipher`]).
//!
//! Every verification compares in constant time and fails closed: a missing, duplicated or
//! malformed input is an error, never a panic.
//!
//! [`admin`] calls the GraphQL Admin API within its cost-based rate limit, [`bulk`] runs
//! bulk operations over it, and [`web_pixel`] activates the app's web pixel on a shop.
//!
//! With the `fake` feature, [`fake`] starts a local HTTP server that behaves like Shopify's
//! OAuth and token endpoints and signs webhooks and app-proxy requests like Shopify does, and
//! [`fake_admin`] plays the GraphQL Admin API's bulk operations and web pixel calls.

pub mod admin;
pub mod bulk;
pub mod client;
pub mod crypto;
#[cfg(feature = "fake")]
pub mod fake;
#[cfg(feature = "fake")]
pub mod fake_admin;
pub mod session_token;
pub mod signature;
mod urls;
pub mod web_pixel;

/// A boxed error that keeps its cause chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub use admin::{AdminClient, AdminError, RetryPolicy};
pub use bulk::{BulkError, BulkOperation, BulkStatus};
pub use client::{AccessToken, TokenClient, TokenError};
pub use crypto::{CipherError, TokenCipher};
pub use session_token::{SessionClaims, SessionTokenError};
pub use signature::SignatureError;
pub use urls::ShopUrls;
pub use web_pixel::{WebPixel, WebPixelError, WebPixelUserError};

/// The app's own credentials, as registered with Shopify.
#[derive(Clone)]
pub struct AppCredentials {
    /// Client id (API key).
    pub client_id: String,
    /// Client secret: the key of every signature and of session tokens.
    pub client_secret: secrecy::SecretString,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}
