//! `worker_heartbeats`: liveness of worker processes, read by `/readyz`.

use sea_orm::entity::prelude::*;

/// Last sign of life of one worker process.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "worker_heartbeats")]
pub struct Model {
    /// Unique worker name (host, pid and a random suffix).
    #[sea_orm(primary_key, auto_increment = false)]
    pub worker_name: String,
    /// When the process started.
    pub started_at: DateTimeUtc,
    /// Last heartbeat.
    pub last_seen_at: DateTimeUtc,
    /// Queues this process has no running worker for (restarting after errors), as a JSON
    /// array of queue names; `None` or empty when every queue runs.
    pub down_queues: Option<Json>,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
