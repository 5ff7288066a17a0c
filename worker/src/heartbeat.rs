//! Worker liveness: each worker process upserts a row every few seconds, with the queues
//! it has no running worker for, which `/readyz` reads to tell whether jobs are being
//! processed at all; the same tick keeps the process's
//! apalis workers alive and re-queues the jobs of dead ones ([`crate::keepalive`]).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::Database;
use entity::worker_heartbeat;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio_util::sync::CancellationToken;

use crate::keepalive::{self, LiveWorkers};

/// Writes this worker's heartbeat now.
///
/// # Errors
/// The database error, if the write failed.
pub async fn beat(
    conn: &DatabaseConnection,
    name: &str,
    started_at: DateTime<Utc>,
    down_queues: &[&str],
) -> Result<(), DbErr> {
    let row = worker_heartbeat::ActiveModel {
        worker_name: Set(name.to_owned()),
        started_at: Set(started_at),
        last_seen_at: Set(Utc::now()),
        down_queues: Set(Some(serde_json::json!(down_queues))),
    };
    worker_heartbeat::Entity::insert(row)
        .on_conflict(
            OnConflict::column(worker_heartbeat::Column::WorkerName)
                .update_columns([
                    worker_heartbeat::Column::LastSeenAt,
                    worker_heartbeat::Column::DownQueues,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// What the heartbeat task beats for.
#[derive(Debug, Clone)]
pub struct Liveness {
    /// The database.
    pub db: Database,
    /// This process's name in `worker_heartbeats`.
    pub process: String,
    /// Time between beats.
    pub interval: Duration,
    /// The apalis workers to keep alive.
    pub workers: LiveWorkers,
}

/// Beats every `interval` until `stop` fires, then removes the row so a stopped worker is not
/// mistaken for a live one.
pub async fn run(liveness: Liveness, stop: CancellationToken) {
    let Liveness {
        db,
        process: name,
        interval,
        workers,
    } = liveness;
    let conn = db.conn.clone();
    let started_at = Utc::now();
    let orphan_after = keepalive::orphan_after(interval);
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticker.tick() => {
                let down = workers.down(Instant::now());
                if !down.is_empty() {
                    tracing::error!(queues = ?down, "queues have no running worker: restarting them");
                }
                if let Err(err) = beat(&conn, &name, started_at, &down).await {
                    tracing::warn!(%err, worker = %name, "heartbeat write failed");
                }
                keep_workers_alive(&db, &workers, orphan_after).await;
            }
        }
    }
    workers.release_all();
    remove(&conn, &name).await;
}

/// Attempts at removing the row on shutdown.
const REMOVE_ATTEMPTS: u32 = 5;

/// Removes this process's row, retrying a few times: a shutdown often coincides with a busy
/// or restarting database, and a row left behind reads as a live worker until it goes stale.
async fn remove(conn: &DatabaseConnection, name: &str) {
    for attempt in 1..=REMOVE_ATTEMPTS {
        match worker_heartbeat::Entity::delete_by_id(name.to_owned())
            .exec(conn)
            .await
        {
            Ok(_) => return,
            Err(err) if attempt < REMOVE_ATTEMPTS => {
                tracing::warn!(%err, worker = %name, attempt, "could not remove heartbeat row; retrying");
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            Err(err) => tracing::warn!(%err, worker = %name, "could not remove heartbeat row"),
        }
    }
}

/// Beats for this process's apalis workers and takes back the jobs of dead ones. Failures
/// are logged: the next tick tries again, well within the orphan threshold.
async fn keep_workers_alive(db: &Database, workers: &LiveWorkers, orphan_after: Duration) {
    if let Err(err) = keepalive::beat(&db.pool, &workers.names()).await {
        tracing::warn!(%err, "worker keep-alive failed");
    }
    match keepalive::recover_orphans(&db.pool, orphan_after, workers.locks()).await {
        Ok(0) => {}
        Ok(jobs) => tracing::warn!(jobs, "re-queued the jobs of workers that stopped beating"),
        Err(err) => tracing::warn!(%err, "orphaned job recovery failed"),
    }
}
