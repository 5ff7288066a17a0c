//! A shop's Klaviyo account: connecting with a private API key (checked, stored encrypted
//! like the Shopify tokens), the checks every new credential passes, and the state the
//! merchant sees.

use chrono::{DateTime, Utc};
use entity::{klaviyo_account, shop};
use klaviyo::{Account, Client, Credential, Endpoint, ProfileQuery};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::{Value, json};
use shopify::TokenCipher;

use super::credential::{self, NewConnection};
use super::error::EmailError;
use super::run::MAX_ROW_REFUSALS;
use super::settings::{EmailSettings, KlaviyoApi};
use super::state;

/// What the merchant sees of the connection; never the credential.
#[derive(Debug, Clone, Serialize)]
pub struct AccountStatus {
    /// `connected`, `error`, `revoked` or `needs_reconnect`.
    pub status: String,
    /// How it is connected: `api_key` or `oauth`.
    pub connection: String,
    /// OAuth: when the access token lapses (refreshed ahead of it).
    pub token_expires_at: Option<DateTime<Utc>>,
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
    /// Version of the settings, for the next save.
    pub settings_version: i64,
    /// The latest profiles whose row Klaviyo refused at their last push, with its reason.
    pub refused_rows: Vec<RefusedRow>,
    /// How many profiles Klaviyo refused at their last push.
    pub refused_total: u64,
}

/// A profile whose row Klaviyo refused, as the merchant sees it.
#[derive(Debug, Clone, Serialize)]
pub struct RefusedRow {
    /// The Klaviyo `external_id` (the Shopify customer id).
    pub external_id: Option<String>,
    /// Klaviyo's reason.
    pub reason: String,
    /// Refusals of the current content in a row.
    pub attempts: i32,
    /// When Klaviyo last refused it.
    pub refused_at: Option<DateTime<Utc>>,
    /// Whether the next push sends it again (false once refused too often, until the
    /// list changes).
    pub retried: bool,
}

/// Refused rows the merchant sees.
const REFUSED_SHOWN: u64 = 5;

/// Checks `key` against Klaviyo and stores it, encrypted, as the shop's connection.
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
    let credential = Credential::ApiKey(key.clone());
    let account = verify(api, &credential).await?;
    let connection = NewConnection {
        credential,
        refresh_token: None,
        expires_at: None,
        scopes: None,
        account_id: account.id,
    };
    credential::save(db, cipher, &shop, connection).await
}

/// Checks a new credential: the account (`accounts:read`), then one cheap call per scope
/// family the push needs: one profile (`profiles:read`), and an empty import job and an
/// empty event batch (`profiles:write`, `events:write`), which Klaviyo refuses for their
/// body (or accepts, doing nothing) only once the scope is there.
pub(super) async fn verify(
    api: &KlaviyoApi,
    credential: &Credential,
) -> Result<Account, EmailError> {
    let client = Client::new(api.config(credential.clone()))?;
    let account = client.account().await?;
    let one = ProfileQuery {
        filter: None,
        page_size: Some(1),
    };
    client.profiles_page(&one, None).await?;
    let empty_job = json!({"data": {"type": "profile-bulk-import-job",
        "attributes": {"profiles": {"data": []}}}});
    probe(
        &client,
        Endpoint::CreateProfileImportJob,
        "/api/profile-bulk-import-jobs",
        &empty_job,
    )
    .await?;
    let empty_events = json!({"data": {"type": "event-bulk-create-job",
        "attributes": {"events-bulk-create": {"data": []}}}});
    probe(
        &client,
        Endpoint::CreateEventBulkJob,
        "/api/event-bulk-create-jobs",
        &empty_events,
    )
    .await?;
    Ok(account)
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
/// refused the credential, `needs_reconnect` when it refused the OAuth refresh (pushes stop
/// until the merchant connects again), else `error`.
///
/// # Errors
/// The database error.
pub async fn record_failure(
    db: &DatabaseConnection,
    shop_id: i64,
    err: &EmailError,
) -> Result<(), EmailError> {
    let now = Utc::now();
    let status = err.account_status();
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
pub(super) async fn update_account(
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
    let Some(account) = klaviyo_account::Entity::find_by_id(shop_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let (refused, refused_total) = state::refused(conn, shop_id, REFUSED_SHOWN).await?;
    let refused_rows = refused
        .into_iter()
        .map(|row| RefusedRow {
            retried: row.failed_attempts < MAX_ROW_REFUSALS,
            external_id: row.external_id,
            reason: row.last_error.unwrap_or_default(),
            attempts: row.failed_attempts,
            refused_at: row.failed_at,
        })
        .collect();
    Ok(Some(AccountStatus {
        settings: json!(EmailSettings::of(&account)),
        settings_version: account.settings_version,
        refused_rows,
        refused_total,
        status: account.status,
        connection: account.credential_kind,
        token_expires_at: account.access_token_expires_at,
        account_id: account.account_id,
        last_push_at: account.last_synced_at,
        last_push_counts: account.last_push_counts,
        last_error: account.last_error,
        last_error_at: account.last_error_at,
    }))
}
