//! `list_parts`: the finished parts of a list version being precomputed.

use sea_orm::entity::prelude::*;

/// One written part of a list version.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "list_parts")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// The list version the part belongs to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub list_version: String,
    /// The part's index.
    #[sea_orm(primary_key, auto_increment = false)]
    pub part: i32,
    /// What the part wrote (lists, seeds, timings) as JSON.
    pub summary: Json,
    /// When its lists were written.
    pub done_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
