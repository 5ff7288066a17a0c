//! `collections`: merchant-curated product groups.

use sea_orm::entity::prelude::*;

/// One collection; memberships live in `product_collections`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "collections")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Shopify numeric collection id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// URL handle.
    pub handle: String,
    /// Title.
    pub title: String,
    /// Shopify's `updated_at`.
    pub source_updated_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
