//! `email_feeds`: the built web-feed documents Klaviyo fetches.

use sea_orm::entity::prelude::*;

/// One shop's built feed of one kind.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_feeds")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// `new-arrivals`, `trending` or `back-in-stock`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The JSON document as served (at most Klaviyo's 4 MB).
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Cohorts in the document.
    pub cohorts: i32,
    /// Items over all cohorts.
    pub items: i32,
    /// When it was built.
    pub built_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
