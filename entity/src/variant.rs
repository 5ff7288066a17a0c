//! `variants`: purchasable variants (size, colour, …) of a product.

use sea_orm::entity::prelude::*;

/// One variant of a product; stock and cost live in `inventory`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "variants")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Shopify numeric variant id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Parent product.
    pub product_id: i64,
    /// "M / Navy".
    pub title: String,
    /// Stock keeping unit, when set.
    pub sku: Option<String>,
    /// Selected options as a JSON array of `[name, value]` pairs.
    pub options: Json,
    /// Price in minor units of the shop currency.
    pub price_minor: i64,
    /// Compare-at (list) price in minor units.
    pub compare_at_price_minor: Option<i64>,
    /// Order among the product's variants.
    pub position: i32,
    /// Shopify's `updated_at`.
    pub source_updated_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
