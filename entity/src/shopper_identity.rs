//! `shopper_identities`: anonymous browser ids linked to Shopify customers.

use sea_orm::entity::prelude::*;

/// One anonymous id known to belong to a customer.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shopper_identities")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Web pixel's anonymous client id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub anonymous_id: String,
    /// The customer it belongs to (latest link wins).
    pub customer_id: i64,
    /// When the link was last seen.
    pub linked_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
