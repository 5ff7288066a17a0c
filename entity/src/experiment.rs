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
    /// The one module it applies to; `None` for every module of the surface.
    pub module: Option<String>,
    /// `all`, `new` or `returning` shoppers.
    pub visitor: String,
    /// `all`, `customer` (logged in) or `anonymous` shoppers.
    pub identity: String,
    /// The one traffic source it applies to; `None` for every source.
    pub traffic_source: Option<String>,
    /// Salt of the assignment hash, so experiments split the same shoppers differently.
    pub salt: String,
    /// Level, baseline rate, smallest effect and guard-rail margin, as JSON.
    pub design: Option<Json>,
    /// Arms and their traffic shares, as a JSON array.
    pub arms: Json,
    /// `draft`, `running` or `stopped`.
    pub status: String,
    /// When it started.
    pub started_at: Option<DateTimeUtc>,
    /// When it stopped.
    pub ended_at: Option<DateTimeUtc>,
    /// When it was created (`None` for rows older than the column).
    pub created_at: Option<DateTimeUtc>,
    /// Why it stopped (the merchant, or a guard rail).
    pub stop_reason: Option<String>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
