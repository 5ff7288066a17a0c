//! `job_runs`: progress and outcome of a shop's background jobs, shown in the admin.

use sea_orm::entity::prelude::*;

/// One run of a job for a shop (a retried job adds a run per attempt).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owning shop.
    pub shop_id: i64,
    /// The job's name (`train_models`, `precompute_lists`, …).
    pub job: String,
    /// What the run produces or covers (a version, a product id), so attempts of one job can
    /// be told apart from other jobs of the same kind.
    pub run_key: String,
    /// `running`, `succeeded`, `failed` or `interrupted` (its worker died; a retry took over).
    pub status: String,
    /// Units of work done so far.
    pub done: i64,
    /// Units of work in total, when known.
    pub total: Option<i64>,
    /// Short human-readable summary of the result.
    pub detail: Option<String>,
    /// Failure reason.
    pub error: Option<String>,
    /// Start.
    pub started_at: DateTimeUtc,
    /// Last progress write.
    pub updated_at: DateTimeUtc,
    /// End.
    pub finished_at: Option<DateTimeUtc>,
}

/// No navigable relations: queries join explicitly by `shop_id`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
