//! `inventory`: stock and unit cost per variant (from inventory items and levels).

use sea_orm::entity::prelude::*;

/// Stock and cost of one variant, summed over locations.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Variant this row describes.
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant_id: i64,
    /// Shopify inventory item id (webhooks address stock by it).
    pub inventory_item_id: Option<i64>,
    /// Units available across locations.
    pub available: i64,
    /// Unit cost in minor units; `None` means unknown, not zero.
    pub unit_cost_minor: Option<i64>,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// When the stock held here was true at the source (the variant's or the inventory
    /// level's `updated_at`): an older write never replaces it. `None` for rows written
    /// before the column existed without a variant.
    pub source_updated_at: Option<DateTimeUtc>,
    /// When the stock last went from none to some (the back-in-stock feed); `None` when it
    /// never did while Meander watched.
    pub restocked_at: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
