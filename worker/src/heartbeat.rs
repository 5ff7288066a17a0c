//! Worker liveness: each worker process upserts a row every few seconds, which `/readyz`
//! reads to tell whether jobs are being processed at all.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::worker_heartbeat;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio_util::sync::CancellationToken;

/// Writes this worker's heartbeat now.
///
/// # Errors
/// The database error, if the write failed.
pub async fn beat(
    conn: &DatabaseConnection,
    name: &str,
    started_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = worker_heartbeat::ActiveModel {
        worker_name: Set(name.to_owned()),
        started_at: Set(started_at),
        last_seen_at: Set(Utc::now()),
    };
    worker_heartbeat::Entity::insert(row)
        .on_conflict(
            OnConflict::column(worker_heartbeat::Column::WorkerName)
                .update_column(worker_heartbeat::Column::LastSeenAt)
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Beats every `interval` until `stop` fires, then removes the row so a stopped worker is not
/// mistaken for a live one.
pub async fn run(
    conn: DatabaseConnection,
    name: String,
    interval: Duration,
    stop: CancellationToken,
) {
    let started_at = Utc::now();
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticker.tick() => {
                if let Err(err) = beat(&conn, &name, started_at).await {
                    tracing::warn!(%err, worker = %name, "heartbeat write failed");
                }
            }
        }
    }
    if let Err(err) = worker_heartbeat::Entity::delete_by_id(name.clone())
        .exec(&conn)
        .await
    {
        tracing::warn!(%err, worker = %name, "could not remove heartbeat row");
    }
}
