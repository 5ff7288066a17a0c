//! The app's Shopify identity, built once from settings and shared by the HTTP edge and the
//! jobs: credentials, token cipher, token endpoint client and where shops live.

use std::sync::Arc;
use std::time::Duration;

use common::SettingsError;
use common::settings::ShopifySettings;
use secrecy::{ExposeSecret, SecretString};
use shopify::{AppCredentials, ShopUrls, TokenCipher, TokenClient};

/// Everything needed to talk to Shopify as this app.
#[derive(Debug)]
pub struct ShopifyApp {
    /// The settings it was built from.
    pub settings: ShopifySettings,
    /// Client id and secret.
    pub credentials: AppCredentials,
    /// Encrypts tokens at rest.
    pub cipher: TokenCipher,
    /// Calls shops' token endpoints.
    pub tokens: TokenClient,
    /// Where shops' endpoints live.
    pub urls: ShopUrls,
}

impl ShopifyApp {
    /// Builds the app's Shopify identity; `None` when no credentials are configured (the
    /// embedded demo mode).
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] when the encryption key is not base64 of 32 bytes.
    pub fn from_settings(settings: &ShopifySettings) -> Result<Option<Arc<Self>>, SettingsError> {
        let (Some(secret), Some(key)) = (&settings.api_secret, &settings.token_encryption_key)
        else {
            return Ok(None);
        };
        let cipher = TokenCipher::from_base64(key).map_err(|err| SettingsError::Invalid {
            setting: "shopify.token_encryption_key",
            reason: err.to_string(),
        })?;
        let retired: Vec<SecretString> = settings
            .retired_token_encryption_keys
            .iter()
            .flat_map(|keys| keys.expose_secret().split(','))
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .map(SecretString::from)
            .collect();
        let cipher = cipher
            .with_retired(&retired)
            .map_err(|err| SettingsError::Invalid {
                setting: "shopify.retired_token_encryption_keys",
                reason: err.to_string(),
            })?;
        let credentials = AppCredentials {
            client_id: settings.api_key.clone(),
            client_secret: secret.clone(),
        };
        let urls = ShopUrls::new(&settings.shop_url_template);
        let tokens = TokenClient::new(
            credentials.clone(),
            urls.clone(),
            Duration::from_secs(settings.http_timeout_secs),
        )
        .map_err(|err| SettingsError::Invalid {
            setting: "shopify",
            reason: err.to_string(),
        })?;
        Ok(Some(Arc::new(Self {
            settings: settings.clone(),
            credentials,
            cipher,
            tokens,
            urls,
        })))
    }

    /// The client secret as bytes (the HMAC key).
    #[must_use]
    pub fn secret(&self) -> &[u8] {
        self.credentials.client_secret.expose_secret().as_bytes()
    }
}

/// Encryption context column of a shop's Shopify access token.
pub(crate) const ACCESS_TOKEN_COLUMN: &str = "access_token";
/// Encryption context column of a shop's Shopify refresh token.
pub(crate) const REFRESH_TOKEN_COLUMN: &str = "refresh_token";

/// Associated data binding an encrypted value to its shop and column.
#[must_use]
pub fn token_context(shop_domain: &str, column: &str) -> String {
    format!("{shop_domain}/{column}")
}
