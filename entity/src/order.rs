//! `orders`: completed orders (from `orders/create` webhooks or the demo).

use sea_orm::entity::prelude::*;

/// One order; its lines live in `order_lines`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Shopify numeric order id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Buyer, when known.
    pub customer_id: Option<i64>,
    /// Storefront session that led to it, when known.
    pub session_id: Option<String>,
    /// Storefront browser (anonymous id) that placed it, when known.
    pub anonymous_id: Option<String>,
    /// Currency of the amounts.
    pub currency: String,
    /// Order total in minor units.
    pub total_minor: i64,
    /// When the order was placed.
    pub placed_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
