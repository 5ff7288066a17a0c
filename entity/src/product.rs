//! `products`: the catalog as synced from Shopify.

use sea_orm::entity::prelude::*;

/// One product; its variants live in `variants`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Shopify numeric product id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// URL handle.
    pub handle: String,
    /// Title shown to shoppers.
    pub title: String,
    /// Plain-text description.
    pub description: String,
    /// Merchant-defined product type.
    pub product_type: String,
    /// Shopify vendor: the seller in marketplace shops.
    pub vendor: String,
    /// Brand (from a metafield, or the vendor when none).
    pub brand: String,
    /// Leaf category id in `categories`.
    pub category_id: Option<String>,
    /// Tags as a JSON array of strings.
    pub tags: Json,
    /// Other attributes (metafields, image colour, …) as a JSON object.
    pub attributes: Json,
    /// `active`, `draft` or `archived`.
    pub status: String,
    /// Main image URL, when the product has one.
    pub image_url: Option<String>,
    /// Creation time in Shopify (drives "new arrival").
    pub published_at: DateTimeUtc,
    /// Shopify's `updated_at`: later-wins guard against out-of-order webhooks.
    pub source_updated_at: DateTimeUtc,
    /// Soft delete from `products/delete`.
    pub deleted_at: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
