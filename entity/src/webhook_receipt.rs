//! `webhook_receipts`: every webhook accepted, keyed by Shopify's webhook id (dedupe).

use sea_orm::entity::prelude::*;

/// A durably stored webhook delivery.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_receipts")]
pub struct Model {
    /// `X-Shopify-Webhook-Id`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub webhook_id: String,
    /// Shop, when it is known to us.
    pub shop_id: Option<i64>,
    /// `X-Shopify-Shop-Domain`.
    pub shop_domain: String,
    /// `X-Shopify-Topic`.
    pub topic: String,
    /// Verified body.
    pub payload: Json,
    /// When we accepted it.
    pub received_at: DateTimeUtc,
    /// When a worker queued its processing job (`None`: not yet; the ack only stores it).
    pub queued_at: Option<DateTimeUtc>,
    /// When its job finished.
    pub processed_at: Option<DateTimeUtc>,
    /// How it was handled: `processed`, `deferred` (stored for a later handler), `ignored`,
    /// `rejected`.
    pub outcome: Option<String>,
    /// Why it was `rejected`, without the payload's values.
    pub reason: Option<String>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
