//! `email_feed_keys`: the secret every feed URL of a shop carries.

use sea_orm::entity::prelude::*;

/// One shop's feed secret.
#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_feed_keys")]
pub struct Model {
    /// Owning shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// The secret in the feed URLs (random, URL-safe); never logged.
    pub token: String,
    /// When it was made (rotation replaces the row).
    pub created_at: DateTimeUtc,
}

/// The token stays out of `Debug`, so a logged row cannot leak it.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("email_feed_key::Model")
            .field("shop_id", &self.shop_id)
            .field("token", &"[redacted]")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
