//! `app_proxy_replays`: app-proxy signatures already accepted, kept while they are fresh.

use sea_orm::entity::prelude::*;

/// A signature seen once; a second request with it is a replay.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "app_proxy_replays")]
pub struct Model {
    /// The hex `signature` parameter.
    #[sea_orm(primary_key, auto_increment = false)]
    pub signature: String,
    /// The shop of the request.
    pub shop_domain: String,
    /// After this the timestamp check alone refuses the request; the row can go.
    pub expires_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
