//! `audit_log`: who changed the admin's settings or rules, what, and when.

use sea_orm::entity::prelude::*;

/// One change.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Random id (a UUID).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The Shopify user (`sub` of the session token), or `demo` for the demo key.
    pub actor: String,
    /// `settings.save`, `rule.create`, `rule.update` or `rule.delete`.
    pub action: String,
    /// What changed: a surface name, or `rule {id}`.
    pub subject: String,
    /// The document before (none for a first save or a create).
    pub before: Option<Json>,
    /// The document after (none for a delete).
    pub after: Option<Json>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
