//! `metric_rollups`: daily discovery and business metrics per surface, module and arm.

use sea_orm::entity::prelude::*;

/// One metric value for one day, surface, module and arm.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "metric_rollups")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// UTC day.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// Surface, or `all` for the whole storefront.
    #[sea_orm(primary_key, auto_increment = false)]
    pub surface: String,
    /// Recommendation module of the surface, or `all` for the whole surface.
    #[sea_orm(primary_key, auto_increment = false)]
    pub module: String,
    /// Experiment arm (`{experiment id}:{arm}`), or `all` for all traffic.
    #[sea_orm(primary_key, auto_increment = false)]
    pub arm: String,
    /// Metric name (`ctr`, `category_spread`, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub metric: String,
    /// Value.
    pub value: f64,
    /// Number of observations behind the value.
    pub samples: i64,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
