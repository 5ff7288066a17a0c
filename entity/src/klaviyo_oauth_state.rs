//! `klaviyo_oauth_states`: one-time `state` nonces and PKCE verifiers of Klaviyo connects.

use sea_orm::entity::prelude::*;

/// A connect started from the admin, consumed once by the callback.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "klaviyo_oauth_states")]
pub struct Model {
    /// The shop that started the connect.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// SHA-256 (hex) of the `state` nonce: the nonce itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    /// The PKCE verifier, AEAD-encrypted; never logged.
    pub verifier_encrypted: String,
    /// When the connect started.
    pub created_at: DateTimeUtc,
    /// After this the callback is refused.
    pub expires_at: DateTimeUtc,
    /// When a callback consumed it (put back when Klaviyo could not be reached).
    pub used_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
