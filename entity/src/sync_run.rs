//! `sync_runs`: catalog sync progress, resumable after a crash.

use sea_orm::entity::prelude::*;

/// One full sync, reconciliation or demo load.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_runs")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// `full`, `reconcile` or `demo`.
    pub kind: String,
    /// `running`, `succeeded` or `failed`.
    pub status: String,
    /// Shopify bulk operation id, when one runs.
    pub bulk_operation_id: Option<String>,
    /// Rows applied so far.
    pub rows_done: i64,
    /// Rows expected, when known.
    pub rows_total: Option<i64>,
    /// Resume point (for example a JSONL line number).
    pub cursor: Option<String>,
    /// Failure reason.
    pub error: Option<String>,
    /// Start.
    pub started_at: DateTimeUtc,
    /// End.
    pub finished_at: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
