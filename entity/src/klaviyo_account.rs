//! `klaviyo_accounts`: a shop's Klaviyo connection and sync state.

use sea_orm::entity::prelude::*;

/// One shop's Klaviyo credentials (encrypted) and sync cursor.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "klaviyo_accounts")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Private API key or OAuth access token, AEAD-encrypted; never logged.
    pub credential_encrypted: String,
    /// `api_key` or `oauth`.
    pub credential_kind: String,
    /// Sync progress as a JSON object.
    pub sync_state: Json,
    /// Last successful push.
    pub last_synced_at: Option<DateTimeUtc>,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// `connected`, `error` (the last push failed), `revoked` (Klaviyo refused the
    /// credential) or `needs_reconnect` (Klaviyo refused the OAuth refresh token): in the
    /// last two the merchant must connect again.
    pub status: String,
    /// Klaviyo's account id (the shared rate limiter's key).
    pub account_id: Option<String>,
    /// Counts of the last push (JSON object), for the merchant.
    pub last_push_counts: Option<Json>,
    /// The last error, for the merchant; cleared by a successful push.
    pub last_error: Option<String>,
    /// When the last error happened.
    pub last_error_at: Option<DateTimeUtc>,
    /// Email settings (holdout share, list length) as a JSON object; defaults when `None`.
    pub settings: Option<Json>,
    /// Saves of `settings` so far: a save names the version it edited and is refused when
    /// another save came first.
    pub settings_version: i64,
    /// OAuth only: the refresh token, AEAD-encrypted; rotates on every refresh.
    pub refresh_token_encrypted: Option<String>,
    /// OAuth only: when the access token lapses.
    pub access_token_expires_at: Option<DateTimeUtc>,
    /// OAuth only: the scopes Klaviyo granted, space-separated.
    pub scopes: Option<String>,
    /// Who holds the refresh lease (random per attempt).
    pub refresh_holder: Option<String>,
    /// The refresh lease lapses at this time even if its holder died.
    pub refresh_locked_until: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
