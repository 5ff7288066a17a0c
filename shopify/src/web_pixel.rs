//! The app's web pixel on a shop, over the Admin API: find it with the `webPixel` query,
//! activate it with `webPixelCreate`, change its settings with `webPixelUpdate`.
//!
//! An app has at most one web pixel per shop. Shopify answers the `webPixel` query without
//! an id with the top-level error "No web pixel was found for this app." when there is none,
//! and `webPixelCreate` with the user error `TAKEN` ("Web pixel is taken.") when there is
//! one. `settings` (scalar `JSON!`) is sent as the JSON-encoded string the documentation's
//! examples use; Shopify checks it against the extension's `[settings]` definition
//! (`INVALID_SETTINGS`, `INVALID_CONFIGURATION_JSON`).

use entity::ShopDomain;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::admin::{AdminClient, AdminError};

const FIND: &str = "query AppWebPixel { webPixel { id } }";

const CREATE: &str = "mutation WebPixelCreate($webPixel: WebPixelInput!) {
  webPixelCreate(webPixel: $webPixel) { webPixel { id } userErrors { field message code } }
}";

const UPDATE: &str = "mutation WebPixelUpdate($id: ID!, $webPixel: WebPixelInput!) {
  webPixelUpdate(id: $id, webPixel: $webPixel) { webPixel { id } userErrors { field message code } }
}";

/// Start of the `webPixel` query's error when the app has no pixel on the shop.
const NO_PIXEL: &str = "No web pixel was found";

/// A `WebPixel`. Its settings are not read back: they hold the shop's ingest key, which
/// must not end up in logs through a `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebPixel {
    /// `gid://shopify/WebPixel/…`.
    pub id: String,
}

/// An `ErrorsWebPixelUserError`.
#[derive(Debug, Clone, Deserialize)]
pub struct WebPixelUserError {
    /// Path to the input field at fault, when there is one.
    #[serde(default)]
    pub field: Option<Vec<String>>,
    /// Explanation.
    pub message: String,
    /// `ErrorsWebPixelUserErrorCode`: `TAKEN`, `NOT_FOUND`, `INVALID_SETTINGS`, `BLANK`, …
    #[serde(default)]
    pub code: Option<String>,
}

impl std::fmt::Display for WebPixelUserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code.as_deref().unwrap_or("ERROR"))?;
        if let Some(field) = self.field.as_ref().filter(|path| !path.is_empty()) {
            write!(f, " on {}", field.join("."))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a web pixel could not be created or updated.
#[derive(Debug, thiserror::Error)]
pub enum WebPixelError {
    /// The Admin API call failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// Shopify answered user errors.
    #[error("{mutation} refused: {}", .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused {
        /// `webPixelCreate` or `webPixelUpdate`.
        mutation: &'static str,
        /// Shopify's user errors.
        errors: Vec<WebPixelUserError>,
    },
}

impl WebPixelError {
    /// Shopify answered the user error `code`.
    #[must_use]
    pub fn has_code(&self, code: &str) -> bool {
        match self {
            Self::Refused { errors, .. } => errors.iter().any(|e| e.code.as_deref() == Some(code)),
            Self::Admin(_) => false,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    web_pixel: Option<WebPixel>,
    #[serde(default)]
    user_errors: Vec<WebPixelUserError>,
}

impl AdminClient {
    /// The app's web pixel on `shop`, `None` when it has none yet.
    ///
    /// # Errors
    /// [`AdminError`].
    pub async fn find_web_pixel(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
    ) -> Result<Option<WebPixel>, AdminError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Found {
            web_pixel: Option<WebPixel>,
        }
        match self.query::<Found>(shop, token, FIND, json!({})).await {
            Ok(found) => Ok(found.web_pixel),
            // Shopify reports "none" as an error, not as `null`.
            Err(AdminError::GraphQl(messages))
                if !messages.is_empty() && messages.iter().all(|m| m.starts_with(NO_PIXEL)) =>
            {
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }

    /// Activates the app's web pixel on `shop` with `settings` (a JSON object, encoded).
    ///
    /// # Errors
    /// [`WebPixelError::Refused`] (code `TAKEN` when the pixel exists already),
    /// [`WebPixelError::Admin`] when the call fails.
    pub async fn create_web_pixel(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        settings: &str,
    ) -> Result<WebPixel, WebPixelError> {
        let variables = json!({"webPixel": {"settings": settings}});
        let data: Value = self.query(shop, token, CREATE, variables).await?;
        outcome("webPixelCreate", data)
    }

    /// Replaces the settings of the web pixel `id` on `shop`.
    ///
    /// # Errors
    /// [`WebPixelError::Refused`] (code `NOT_FOUND` when the pixel is gone),
    /// [`WebPixelError::Admin`] when the call fails.
    pub async fn update_web_pixel(
        &self,
        shop: &ShopDomain,
        token: &SecretString,
        id: &str,
        settings: &str,
    ) -> Result<WebPixel, WebPixelError> {
        let variables = json!({"id": id, "webPixel": {"settings": settings}});
        let data: Value = self.query(shop, token, UPDATE, variables).await?;
        outcome("webPixelUpdate", data)
    }
}

/// Reads a mutation's payload: the pixel, or its user errors.
fn outcome(mutation: &'static str, mut data: Value) -> Result<WebPixel, WebPixelError> {
    let payload: Payload = serde_json::from_value(data[mutation].take())
        .map_err(|err| AdminError::Decode(format!("{mutation}: {err}").into()))?;
    match (payload.web_pixel, payload.user_errors.is_empty()) {
        (Some(pixel), true) => Ok(pixel),
        (None, true) => Err(AdminError::Decode(
            format!("{mutation} answered neither a web pixel nor user errors").into(),
        )
        .into()),
        (_, false) => Err(WebPixelError::Refused {
            mutation,
            errors: payload.user_errors,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_errors_read_as_code_field_and_message() {
        let data = json!({"webPixelCreate": {"webPixel": null, "userErrors": [
            {"field": ["webPixel", "settings"], "message": "Settings are invalid", "code": "INVALID_SETTINGS"},
            {"field": null, "message": "Web pixel is taken.", "code": "TAKEN"},
        ]}});
        let err = outcome("webPixelCreate", data).err();
        let err = err.unwrap_or_else(|| panic!("user errors must fail"));
        assert!(err.has_code("TAKEN") && !err.has_code("NOT_FOUND"));
        assert_eq!(
            err.to_string(),
            "webPixelCreate refused: INVALID_SETTINGS on webPixel.settings: Settings are \
             invalid; TAKEN: Web pixel is taken."
        );
    }

    #[test]
    fn a_created_pixel_reads_its_id() {
        let data = json!({"webPixelUpdate": {"webPixel": {"id": "gid://shopify/WebPixel/7"}, "userErrors": []}});
        let pixel = outcome("webPixelUpdate", data).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(pixel.id, "gid://shopify/WebPixel/7");
    }
}
