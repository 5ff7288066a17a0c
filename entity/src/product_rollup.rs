//! `product_rollups`: per day and product, times shown by recommendations and what sold.

use sea_orm::entity::prelude::*;

/// One product's exposure and sales on one UTC day.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "product_rollups")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// UTC day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// The product (numeric Shopify id).
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i64,
    /// Items shown over every recommendation surface.
    pub impressions: i64,
    /// Revenue of the day's order lines of the product, minor units.
    pub revenue_minor: i64,
    /// Units of those lines.
    pub units: i64,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
