//! `models`: trained candidate models, versioned per shop.

use sea_orm::entity::prelude::*;

/// One training run's model.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "models")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// `cooccurrence`, `complements`, `content`, `popularity`, …
    pub kind: String,
    /// Version label, unique per shop and kind.
    pub version: String,
    /// `training`, `ready` or `failed`.
    pub status: String,
    /// Hyper-parameters as a JSON object.
    pub params: Json,
    /// Offline metrics as a JSON object.
    pub metrics: Json,
    /// When training started.
    pub started_at: DateTimeUtc,
    /// When training finished.
    pub trained_at: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
