//! A Klaviyo connection's secrets at rest: sealed with the Shopify tokens' cipher, each
//! bound to its shop and column, and the one upsert that stores a new connection.

use chrono::{DateTime, Utc};
use entity::{klaviyo_account, shop};
use klaviyo::Credential;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use shopify::TokenCipher;

use super::error::EmailError;
use crate::shop_auth::token_context;

/// `klaviyo_accounts.credential_kind` of a private API key.
pub(super) const API_KEY_KIND: &str = "api_key";
/// `klaviyo_accounts.credential_kind` of an OAuth grant.
pub(super) const OAUTH_KIND: &str = "oauth";
/// Encryption context of the key or access token column.
pub(crate) const CREDENTIAL_COLUMN: &str = "klaviyo_credential";
/// Encryption context of the refresh token column.
pub(crate) const REFRESH_COLUMN: &str = "klaviyo_refresh_token";
/// Encryption context of a connect's PKCE verifier.
pub(crate) const VERIFIER_COLUMN: &str = "klaviyo_pkce_verifier";

/// Encrypts `secret` for `column` of `domain`'s rows.
pub(super) fn seal(
    cipher: &TokenCipher,
    domain: &str,
    column: &str,
    secret: &SecretString,
) -> Result<String, EmailError> {
    cipher
        .encrypt(secret.expose_secret(), &token_context(domain, column))
        .map_err(|_cipher| EmailError::Encrypt)
}

/// Decrypts what [`seal`] sealed for the same shop and column.
pub(super) fn open(
    cipher: &TokenCipher,
    domain: &str,
    column: &str,
    sealed: &str,
) -> Result<SecretString, EmailError> {
    cipher
        .decrypt(sealed, &token_context(domain, column))
        .map_err(|_cipher| EmailError::Decrypt)
}

/// The credential a client sends for `account`.
pub(super) fn of_account(
    cipher: &TokenCipher,
    domain: &str,
    account: &klaviyo_account::Model,
) -> Result<Credential, EmailError> {
    let secret = open(
        cipher,
        domain,
        CREDENTIAL_COLUMN,
        &account.credential_encrypted,
    )?;
    Ok(if account.credential_kind == API_KEY_KIND {
        Credential::ApiKey(secret)
    } else {
        Credential::OauthAccessToken(secret)
    })
}

/// A checked connection to store.
pub(super) struct NewConnection {
    /// The key or access token.
    pub credential: Credential,
    /// OAuth: the refresh token.
    pub refresh_token: Option<SecretString>,
    /// OAuth: when the access token lapses.
    pub expires_at: Option<DateTime<Utc>>,
    /// OAuth: the scopes granted.
    pub scopes: Option<String>,
    /// Klaviyo's account id.
    pub account_id: String,
}

/// Stores `connection` as the shop's Klaviyo account, encrypted. A reconnect keeps the
/// settings and the last push; it replaces the credential and clears the error.
pub(super) async fn save(
    db: &DatabaseConnection,
    cipher: &TokenCipher,
    shop: &shop::Model,
    connection: NewConnection,
) -> Result<klaviyo_account::Model, EmailError> {
    let (kind, secret) = match &connection.credential {
        Credential::ApiKey(key) => (API_KEY_KIND, key),
        Credential::OauthAccessToken(token) => (OAUTH_KIND, token),
    };
    let refresh = connection
        .refresh_token
        .as_ref()
        .map(|token| seal(cipher, &shop.domain, REFRESH_COLUMN, token))
        .transpose()?;
    let row = klaviyo_account::ActiveModel {
        shop_id: Set(shop.id),
        credential_encrypted: Set(seal(cipher, &shop.domain, CREDENTIAL_COLUMN, secret)?),
        credential_kind: Set(kind.into()),
        sync_state: Set(json!({})),
        last_synced_at: Set(None),
        updated_at: Set(Utc::now()),
        status: Set("connected".into()),
        account_id: Set(Some(connection.account_id)),
        last_push_counts: Set(None),
        last_error: Set(None),
        last_error_at: Set(None),
        settings: Set(None),
        settings_version: Set(0),
        refresh_token_encrypted: Set(refresh),
        access_token_expires_at: Set(connection.expires_at),
        scopes: Set(connection.scopes),
        refresh_holder: Set(None),
        refresh_locked_until: Set(None),
    };
    use klaviyo_account::Column as C;
    let upsert = OnConflict::column(C::ShopId)
        .update_columns([
            C::CredentialEncrypted,
            C::CredentialKind,
            C::UpdatedAt,
            C::Status,
            C::AccountId,
            C::LastError,
            C::LastErrorAt,
            C::RefreshTokenEncrypted,
            C::AccessTokenExpiresAt,
            C::Scopes,
        ])
        .to_owned();
    klaviyo_account::Entity::insert(row)
        .on_conflict(upsert)
        .exec_without_returning(db)
        .await?;
    klaviyo_account::Entity::find_by_id(shop.id)
        .one(db)
        .await?
        .ok_or(EmailError::NotConnected)
}
