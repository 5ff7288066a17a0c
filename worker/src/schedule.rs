//! Periodic work: every worker process ticks, and dedupe keys make sure each shop's daily
//! model build is queued once however many processes tick.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{model, shop};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use tokio_util::sync::CancellationToken;

use crate::jobs::BuildRecommendations;
use crate::queue::{JobQueue, QueueError};
use crate::recs::store::MODEL_KIND;

/// Models older than this are rebuilt.
const RETRAIN_AFTER_HOURS: i64 = 24;

/// Why a tick failed (logged; the next tick retries).
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// Reading shops or models failed.
    #[error(transparent)]
    Database(#[from] DbErr),
    /// Queueing failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Queues a model build for every installed shop whose models are missing or older than a
/// day; returns how many were queued (duplicates within a day are dropped by the queue).
///
/// # Errors
/// [`ScheduleError`].
pub async fn tick(
    conn: &DatabaseConnection,
    queue: &JobQueue,
    now: DateTime<Utc>,
) -> Result<usize, ScheduleError> {
    let shops = shop::Entity::find()
        .filter(shop::Column::InstalledAt.is_not_null())
        .filter(shop::Column::UninstalledAt.is_null())
        .all(conn)
        .await?;
    let mut queued = 0;
    for shop in shops {
        let latest = model::Entity::find()
            .filter(model::Column::ShopId.eq(shop.id))
            .filter(model::Column::Kind.eq(MODEL_KIND))
            .filter(model::Column::Status.eq("ready"))
            .order_by_desc(model::Column::Id)
            .one(conn)
            .await?;
        let stale = latest
            .and_then(|m| m.trained_at)
            .is_none_or(|at| now - at > chrono::Duration::hours(RETRAIN_AFTER_HOURS));
        if stale {
            let day = now.format("%Y-%m-%d").to_string();
            queue
                .push(BuildRecommendations {
                    shop_id: shop.id,
                    window: Some(day),
                })
                .await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// Ticks every `interval` (the first time one interval after start, so a starting process
/// does its own start-up work first) until `stop` fires.
pub async fn run(
    conn: DatabaseConnection,
    queue: JobQueue,
    interval: Duration,
    stop: CancellationToken,
) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticker.tick() => match tick(&conn, &queue, Utc::now()).await {
                Ok(0) => {}
                Ok(queued) => tracing::info!(queued, "scheduled model builds"),
                Err(err) => tracing::warn!(%err, "schedule tick failed"),
            },
        }
    }
}
