//! `product_collections`: which products belong to which collections.

use sea_orm::entity::prelude::*;

/// Membership of a product in a collection.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product_collections")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Collection.
    #[sea_orm(primary_key, auto_increment = false)]
    pub collection_id: i64,
    /// Product in it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i64,
    /// Position within the collection.
    pub position: i32,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
