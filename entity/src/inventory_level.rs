//! `inventory_levels`: stock of one inventory item at one location.

use sea_orm::entity::prelude::*;

/// Units available of an inventory item at a location.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_levels")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Shopify inventory item.
    #[sea_orm(primary_key, auto_increment = false)]
    pub inventory_item_id: i64,
    /// Shopify location.
    #[sea_orm(primary_key, auto_increment = false)]
    pub location_id: i64,
    /// Units available there.
    pub available: i64,
    /// Shopify's `updated_at` of the level: later-wins guard.
    pub source_updated_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
