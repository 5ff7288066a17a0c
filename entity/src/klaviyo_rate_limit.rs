//! `klaviyo_rate_limits`: the shared Klaviyo rate limiter's state.

use sea_orm::entity::prelude::*;

/// One window of one endpoint of one Klaviyo account: a GCRA "theoretical arrival time".
///
/// Not shop data: a Klaviyo account's quota is shared by every shop connected to it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "klaviyo_rate_limits")]
pub struct Model {
    /// Klaviyo account id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_key: String,
    /// Klaviyo operation id (`bulk_import_profiles`, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub endpoint: String,
    /// Window length in milliseconds (1,000 or 60,000).
    #[sea_orm(primary_key, auto_increment = false)]
    pub period_ms: i64,
    /// GCRA's theoretical arrival time, in Unix microseconds: the next request is admitted
    /// once the clock is within the burst tolerance of it.
    pub tat_us: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
