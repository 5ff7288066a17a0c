//! `merchant_rules`: a merchant's pin, exclude, boost and bury rules.

use sea_orm::entity::prelude::*;

/// One rule (deleted rules keep their row, with `deleted_at` set).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "merchant_rules")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// 1 for the shop's first rule, one more for each later one.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// 1 when created, one more for each edit and for the delete.
    pub version: i64,
    /// The rule document (`services::rules::RuleDoc`), validated on save.
    pub rule: Json,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it was last changed.
    pub updated_at: DateTimeUtc,
    /// When it was deleted.
    pub deleted_at: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
