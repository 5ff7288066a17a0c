//! Periodic work, declared here and nowhere else: every worker process ticks, and dedupe keys
//! make sure each shop's nightly training, hourly precompute, daily metric rollup, daily
//! catalog reconciliation and hourly experiment guard rails are queued once however many processes tick.

use std::time::Duration;

use chrono::{DateTime, Days, Utc};
use common::telemetry::Chain;
use entity::shop;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use tokio_util::sync::CancellationToken;

use services::recs::lists::LISTS_KIND;
use services::recs::store::{self, MODEL_KIND};

use crate::jobs::{
    GuardExperiments, PrecomputeLists, ReconcileCatalog, RollupMetrics, TrainModels,
};
use crate::queue::{JobQueue, QueueError};

/// Pools older than this are retrained (nightly).
const RETRAIN_AFTER_HOURS: i64 = 24;
/// Lists older than this are precomputed again (hourly), for fresh profiles and stock.
const PRECOMPUTE_AFTER_HOURS: i64 = 1;

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

/// Queues, for every installed shop, a model training when its pools are missing or older
/// than a day, and otherwise a precompute when its lists are missing or older than an hour;
/// returns how many were queued (duplicates within a window are dropped by the queue).
///
/// # Errors
/// [`ScheduleError`].
pub async fn tick(
    conn: &DatabaseConnection,
    queue: &JobQueue,
    now: DateTime<Utc>,
) -> Result<usize, ScheduleError> {
    let shops = installed(conn).await?;
    let mut queued = 0;
    for shop in shops {
        let stale = |kind, hours| async move {
            let at = store::latest_ready(conn, shop.id, kind)
                .await?
                .and_then(|m| m.trained_at);
            Ok::<_, DbErr>(at.is_none_or(|at| now - at > chrono::Duration::hours(hours)))
        };
        if stale(MODEL_KIND, RETRAIN_AFTER_HOURS).await? {
            let window = Some(now.format("%Y-%m-%d").to_string());
            queue
                .push(TrainModels {
                    shop_id: shop.id,
                    window,
                })
                .await?;
            queued += 1;
        } else if stale(LISTS_KIND, PRECOMPUTE_AFTER_HOURS).await? {
            let window = Some(now.format("%Y-%m-%dT%H").to_string());
            queue
                .push(PrecomputeLists {
                    shop_id: shop.id,
                    window,
                })
                .await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// Days back the scheduler fills rollups that are missing.
pub const ROLLUP_BACKFILL_DAYS: u64 = 28;

/// Queues the rollup of yesterday's metrics (UTC) for every installed shop, and of any of
/// the [`ROLLUP_BACKFILL_DAYS`] days before it not rolled up yet (a new install's synced
/// orders, the demo shop's simulated past, a night the worker was down); the dedupe key
/// makes each day once however often this runs. Returns how many were offered to the queue.
///
/// # Errors
/// [`ScheduleError`].
pub async fn rollups(
    conn: &DatabaseConnection,
    queue: &JobQueue,
    now: DateTime<Utc>,
) -> Result<usize, ScheduleError> {
    let Some(yesterday) = now.date_naive().pred_opt() else {
        return Ok(0);
    };
    let first = yesterday
        .checked_sub_days(Days::new(ROLLUP_BACKFILL_DAYS - 1))
        .unwrap_or(yesterday);
    let done = services::rollups::rolled_up_days(conn, first).await?;
    let jobs: Vec<RollupMetrics> = installed(conn)
        .await?
        .iter()
        .flat_map(|shop| {
            first
                .iter_days()
                .take_while(|day| *day <= yesterday)
                .filter(|day| !done.contains(&(shop.id, *day)))
                .map(|day| RollupMetrics {
                    shop_id: shop.id,
                    day,
                })
        })
        .collect();
    let pushed = jobs.len();
    queue.push_all(jobs).await?;
    Ok(pushed)
}

/// Queues today's catalog reconciliation (UTC) for every installed Shopify shop: a full
/// re-sync that repairs what lost or late webhooks left behind. Each shop's run is spread
/// over the first three hours of the day so shops do not all start at once; the dedupe key
/// makes it once a day however often this runs. The demo shop has no Shopify store to
/// reconcile with. Returns how many were pushed.
///
/// # Errors
/// [`ScheduleError`].
pub async fn reconciliations(
    conn: &DatabaseConnection,
    queue: &JobQueue,
    now: DateTime<Utc>,
) -> Result<usize, ScheduleError> {
    let jobs: Vec<ReconcileCatalog> = installed(conn)
        .await?
        .iter()
        .filter(|shop| !shop.is_demo)
        .map(|shop| ReconcileCatalog::for_day(shop.id, now))
        .collect();
    for job in &jobs {
        queue.push_at(job.clone(), job.starts_at()).await?;
    }
    Ok(jobs.len())
}

/// Queues this hour's guard-rail check for every installed shop running an experiment; the
/// dedupe key makes it once an hour however often this runs. Returns how many were pushed.
///
/// # Errors
/// [`ScheduleError`].
pub async fn guard_rails(
    conn: &DatabaseConnection,
    queue: &JobQueue,
    now: DateTime<Utc>,
) -> Result<usize, ScheduleError> {
    let running = services::experiments::store::shops_running(conn).await?;
    let window = now.format("%Y-%m-%dT%H").to_string();
    let mut queued = 0;
    for shop in installed(conn).await? {
        if running.contains(&shop.id) {
            queue
                .push(GuardExperiments {
                    shop_id: shop.id,
                    window: window.clone(),
                })
                .await?;
            queued += 1;
        }
    }
    Ok(queued)
}

async fn installed(conn: &DatabaseConnection) -> Result<Vec<shop::Model>, DbErr> {
    shop::Entity::find()
        .filter(shop::Column::InstalledAt.is_not_null())
        .filter(shop::Column::UninstalledAt.is_null())
        .all(conn)
        .await
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
            _ = ticker.tick() => {
                let now = Utc::now();
                match tick(&conn, &queue, now).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::info!(queued, "scheduled training and precompute jobs"),
                    Err(err) => tracing::warn!(err = %Chain(&err), "schedule tick failed"),
                }
                if let Err(err) = rollups(&conn, &queue, now).await {
                    tracing::warn!(err = %Chain(&err), "scheduling metric rollups failed");
                }
                if let Err(err) = reconciliations(&conn, &queue, now).await {
                    tracing::warn!(err = %Chain(&err), "scheduling catalog reconciliations failed");
                }
                if let Err(err) = guard_rails(&conn, &queue, now).await {
                    tracing::warn!(err = %Chain(&err), "scheduling guard rails failed");
                }
            }
        }
    }
}
