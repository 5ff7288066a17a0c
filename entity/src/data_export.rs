//! `data_exports`: what Meander holds about a customer, gathered for `customers/data_request`.

use sea_orm::entity::prelude::*;

/// One export, for the merchant to hand to the customer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "data_exports")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// The customer the request is about.
    pub customer_id: Option<i64>,
    /// Shopify's `data_request.id`.
    pub data_request_id: Option<String>,
    /// The webhook that asked for it.
    pub webhook_id: String,
    /// The export: events and orders of the customer.
    pub export: Json,
    /// When it was gathered.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
