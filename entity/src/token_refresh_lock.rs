//! `token_refresh_locks`: at most one token refresh per shop at a time.

use sea_orm::entity::prelude::*;

/// A held (or expired) refresh lock.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "token_refresh_locks")]
pub struct Model {
    /// The shop.
    #[sea_orm(primary_key, auto_increment = false)]
    pub shop_id: i64,
    /// Who holds it (random per attempt).
    pub holder: String,
    /// The lock lapses at this time even if its holder died.
    pub locked_until: DateTimeUtc,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
