//! `experiment_assignments`: which arm a shopper saw (deterministic, recorded for analysis).

use sea_orm::entity::prelude::*;

/// The arm one subject is assigned to in one experiment.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "experiment_assignments")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Experiment.
    #[sea_orm(primary_key, auto_increment = false)]
    pub experiment_id: i64,
    /// Anonymous or customer id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject_id: String,
    /// Arm name.
    pub arm: String,
    /// First assignment.
    pub assigned_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
