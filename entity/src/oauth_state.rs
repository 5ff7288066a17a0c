//! `oauth_states`: one-time `state` nonces of the OAuth install flow.

use sea_orm::entity::prelude::*;

/// A `state` issued by `/auth`, consumed once by `/auth/callback`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_states")]
pub struct Model {
    /// The random nonce sent as `state`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub nonce: String,
    /// The shop the install was started for.
    pub shop_domain: String,
    /// When it was issued.
    pub created_at: DateTimeUtc,
    /// After this it is refused.
    pub expires_at: DateTimeUtc,
    /// When the callback consumed it.
    pub used_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
