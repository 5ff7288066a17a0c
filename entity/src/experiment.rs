//! `experiments`: A/B tests and holdout groups.

use sea_orm::entity::prelude::*;

/// An experiment or holdout on a surface.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "experiments")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// Name, unique per shop.
    pub name: String,
    /// `ab` or `holdout`.
    pub kind: String,
    /// Surface it applies to; `None` for all.
    pub surface: Option<String>,
    /// Arms and their traffic shares, as a JSON array.
    pub arms: Json,
    /// `draft`, `running` or `stopped`.
    pub status: String,
    /// When it started.
    pub started_at: Option<DateTimeUtc>,
    /// When it stopped.
    pub ended_at: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
