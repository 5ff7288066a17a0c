//! `shop_settings`: per-shop, per-surface ranking settings.

use sea_orm::entity::prelude::*;

/// Settings for one surface of one shop (`*` for shop-wide defaults).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shop_settings")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Surface, or `*`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub surface: String,
    /// Blend weights, exploration rate, caps… as a JSON object validated by the ranker.
    pub settings: Json,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
