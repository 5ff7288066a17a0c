//! `shop_settings`: per-shop, per-surface merchant settings, one row per saved version.

use sea_orm::entity::prelude::*;

/// One saved version of one surface's settings.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shop_settings")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Surface name (`home`, `pdp`, `cart`, `email`, `search`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub surface: String,
    /// 1 for the first save, one more for each later save of the surface.
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i64,
    /// The settings document (`services::settings::SurfaceSettings`), validated on save.
    pub settings: Json,
    /// When this version was saved.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
