//! A shop's Klaviyo account: connecting with a private API key (checked, stored encrypted
//! like the Shopify tokens), the client a push uses, and the state the merchant sees.

use chrono::{DateTime, Utc};
use entity::{klaviyo_account, shop};
use klaviyo::{Client, Credential, Endpoint, ProfileQuery};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Value, json};
use shopify::TokenCipher;
use std::sync::Arc;

use super::error::EmailError;
use super::limiter::DbRateLimiter;
use super::settings::{EmailSettings, KlaviyoApi};
use crate::shop_auth::token_context;

/// `klaviyo_accounts.credential_kind` of a private API key.
const API_KEY_KIND: &str = "api_key";
/// The encryption context of the credential column (binds the ciphertext to its shop).
const CREDENTIAL_COLUMN: &str = "klaviyo_credential";

/// What the merchant sees of the connection; never the credential.
#[derive(Debug, Clone, Serialize)]
pub struct AccountStatus {
    /// `connected`, `error` or `revoked`.
    pub status: String,
    /// Klaviyo's account id.
    pub account_id: Option<String>,
    /// Last successful push.
    pub last_push_at: Option<DateTime<Utc>>,
    /// Counts of the last push.
    pub last_push_counts: Option<Value>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// The email settings in force.
    pub settings: Value,
}

/// Checks `key` against Klaviyo and stores it, encrypted, as the shop's connection.
///
/// The check makes one cheap call per scope family the push needs: the account
/// (`accounts:read`), one profile (`profiles:read`), and an empty import job and an empty
/// event batch (`profiles:write`, `events:write`), which Klaviyo refuses for their body (or
/// accepts, doing nothing) only once the scope is there.
///
/// # Errors
/// [`EmailError::InvalidCredential`] (401), [`EmailError::MissingScope`] (403),
/// [`EmailError::Unavailable`] (Klaviyo down), or the database.
pub async fn connect_api_key(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &TokenCipher,
    shop_id: i64,
    key: &SecretString,
) -> Result<klaviyo_account::Model, EmailError> {
    let shop = shop::Entity::find_by_id(shop_id)
        .one(db)
        .await?
        .ok_or(EmailError::NoShop(shop_id))?;
    let client = Client::new(api.config(Credential::ApiKey(key.clone())))?;
    let account = client.account().await?;
    check_scopes(&client).await?;
    let encrypted = cipher
        .encrypt(
            key.expose_secret(),
            &token_context(&shop.domain, CREDENTIAL_COLUMN),
        )
        .map_err(|_cipher| EmailError::Encrypt)?;
    let now = Utc::now();
    let row = klaviyo_account::ActiveModel {
        shop_id: Set(shop_id),
        credential_encrypted: Set(encrypted),
        credential_kind: Set(API_KEY_KIND.into()),
        sync_state: Set(json!({})),
        last_synced_at: Set(None),
        updated_at: Set(now),
        status: Set("connected".into()),
        account_id: Set(Some(account.id)),
        last_push_counts: Set(None),
        last_error: Set(None),
        last_error_at: Set(None),
        settings: Set(None),
    };
    // A reconnect keeps the settings and the last push; it replaces the key and clears
    // the error.
    let upsert = OnConflict::column(klaviyo_account::Column::ShopId)
        .update_columns([
            klaviyo_account::Column::CredentialEncrypted,
            klaviyo_account::Column::CredentialKind,
            klaviyo_account::Column::UpdatedAt,
            klaviyo_account::Column::Status,
            klaviyo_account::Column::AccountId,
            klaviyo_account::Column::LastError,
            klaviyo_account::Column::LastErrorAt,
        ])
        .to_owned();
    klaviyo_account::Entity::insert(row)
        .on_conflict(upsert)
        .exec_without_returning(db)
        .await?;
    klaviyo_account::Entity::find_by_id(shop_id)
        .one(db)
        .await?
        .ok_or(EmailError::NotConnected)
}

/// The scope checks of [`connect_api_key`] after the account call.
async fn check_scopes(client: &Client) -> Result<(), EmailError> {
    let one = ProfileQuery {
        filter: None,
        page_size: Some(1),
    };
    client.profiles_page(&one, None).await?;
    let empty_job = json!({"data": {"type": "profile-bulk-import-job",
        "attributes": {"profiles": {"data": []}}}});
    probe(
        client,
        Endpoint::CreateProfileImportJob,
        "/api/profile-bulk-import-jobs",
        &empty_job,
    )
    .await?;
    let empty_events = json!({"data": {"type": "event-bulk-create-job",
        "attributes": {"events-bulk-create": {"data": []}}}});
    probe(
        client,
        Endpoint::CreateEventBulkJob,
        "/api/event-bulk-create-jobs",
        &empty_events,
    )
    .await
}

/// Sends a harmless body: only 401 and 403 (and outages) count against the credential.
async fn probe(
    client: &Client,
    endpoint: Endpoint,
    path: &str,
    body: &Value,
) -> Result<(), EmailError> {
    match client.post_document(endpoint, path, body).await {
        Ok(_) | Err(klaviyo::Error::Rejected { .. }) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// The shop's account and a client for it, pacing itself with the limiter every worker
/// shares for that Klaviyo account; `None` when nothing is connected or the merchant must
/// connect again (`revoked`).
///
/// # Errors
/// [`EmailError::Decrypt`] for a credential that does not decrypt, or the database.
pub async fn load_client(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &TokenCipher,
    shop: &shop::Model,
) -> Result<Option<(klaviyo_account::Model, Client)>, EmailError> {
    let Some(account) = klaviyo_account::Entity::find_by_id(shop.id).one(db).await? else {
        return Ok(None);
    };
    if account.status == "revoked" {
        return Ok(None);
    }
    let secret = cipher
        .decrypt(
            &account.credential_encrypted,
            &token_context(&shop.domain, CREDENTIAL_COLUMN),
        )
        .map_err(|_cipher| EmailError::Decrypt)?;
    let credential = if account.credential_kind == API_KEY_KIND {
        Credential::ApiKey(secret)
    } else {
        Credential::OauthAccessToken(secret)
    };
    let key = account
        .account_id
        .clone()
        .unwrap_or_else(|| format!("shop:{}", shop.id));
    let limiter = Arc::new(DbRateLimiter::new(db.clone(), key));
    let client = Client::with_limiter(api.config(credential), limiter)?;
    Ok(Some((account, client)))
}

/// Records a successful push: its counts and time; clears the error.
///
/// # Errors
/// The database error.
pub async fn record_push(
    db: &DatabaseConnection,
    shop_id: i64,
    counts: Value,
) -> Result<(), EmailError> {
    let now = Utc::now();
    let changes = klaviyo_account::ActiveModel {
        status: Set("connected".into()),
        last_synced_at: Set(Some(now)),
        last_push_counts: Set(Some(counts)),
        last_error: Set(None),
        last_error_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    update_account(db, shop_id, changes).await
}

/// Records a failed push or connection check for the merchant: `revoked` when Klaviyo
/// refused the credential (pushes stop until the merchant connects again), else `error`.
///
/// # Errors
/// The database error.
pub async fn record_failure(
    db: &DatabaseConnection,
    shop_id: i64,
    err: &EmailError,
) -> Result<(), EmailError> {
    let now = Utc::now();
    let status = if err.is_credential() {
        "revoked"
    } else {
        "error"
    };
    // Formatted before the first await: `Chain` borrows a non-`Sync` error.
    let message = common::telemetry::Chain(err).to_string();
    let changes = klaviyo_account::ActiveModel {
        status: Set(status.into()),
        last_error: Set(Some(message)),
        last_error_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    };
    update_account(db, shop_id, changes).await
}

/// Writes the set fields of `changes` to the shop's account row.
async fn update_account(
    db: &DatabaseConnection,
    shop_id: i64,
    changes: klaviyo_account::ActiveModel,
) -> Result<(), EmailError> {
    klaviyo_account::Entity::update_many()
        .set(changes)
        .filter(klaviyo_account::Column::ShopId.eq(shop_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The connection state the merchant sees; `None` when nothing is connected.
///
/// # Errors
/// The database error.
pub async fn status(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<Option<AccountStatus>, DbErr> {
    let account = klaviyo_account::Entity::find_by_id(shop_id)
        .one(conn)
        .await?;
    Ok(account.map(|account| AccountStatus {
        settings: json!(EmailSettings::of(&account)),
        status: account.status,
        account_id: account.account_id,
        last_push_at: account.last_synced_at,
        last_push_counts: account.last_push_counts,
        last_error: account.last_error,
        last_error_at: account.last_error_at,
    }))
}
