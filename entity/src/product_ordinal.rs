//! `product_ordinals`: a shop's products numbered 1, 2, 3… in the order answers first showed
//! them; packed impressions name products by these numbers (`services::signals::ordinals`).

use sea_orm::entity::prelude::*;

/// One product's number.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product_ordinals")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Shopify numeric product id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i64,
    /// Its number in the shop, from 1; unique per shop and never reused.
    pub ordinal: i32,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
