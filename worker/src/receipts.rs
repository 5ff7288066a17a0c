//! Queues the processing job of every stored webhook receipt. The webhook ack only stores
//! the verified delivery (one insert, so Shopify's sender never waits for the queue); this
//! task, run by every worker process, turns new receipts into `process_webhook` jobs.
//!
//! A receipt is marked queued after its job is written, so a crash in between queues it
//! again, and the job's dedupe key (the webhook id) keeps that from running it twice. On
//! PostgreSQL the receipts being queued are locked until they are marked, so two worker
//! processes do not race for the same ones.

use std::time::Duration;

use common::Database;
use common::database::{Pool, begin_write};
use common::telemetry::Chain;
use sea_orm::{ConnectionTrait, DbErr};
use services::receipts;
use tokio_util::sync::CancellationToken;

use crate::jobs::ProcessWebhook;
use crate::queue::{JobQueue, QueueError};

/// Receipts queued per round; a burst larger than this takes several rounds back to back.
const BATCH_LEN: usize = 500;

/// Why a round failed (logged; the next round retries).
#[derive(Debug, thiserror::Error)]
pub enum PumpError {
    /// Reading or marking receipts failed.
    #[error("reading or marking webhook receipts failed")]
    Database(#[from] DbErr),
    /// Writing the jobs failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Queues receipts every `interval` until `stop` fires; a full batch is followed at once by
/// the next one.
pub async fn run(db: Database, queue: JobQueue, interval: Duration, stop: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticker.tick() => drain(&db, &queue, &stop).await,
        }
    }
}

/// Queues rounds of new receipts until one comes back short of a full batch.
async fn drain(db: &Database, queue: &JobQueue, stop: &CancellationToken) {
    while !stop.is_cancelled() {
        match queue_new(db, queue).await {
            Ok(queued) if queued == BATCH_LEN => {}
            Ok(_) => break,
            Err(err) => {
                tracing::warn!(err = %Chain(&err), "queueing webhook receipts failed");
                break;
            }
        }
    }
}

/// Queues the processing job of up to [`BATCH_LEN`] new receipts; returns how many.
///
/// # Errors
/// [`PumpError`]; nothing is marked queued unless its job was written.
pub async fn queue_new(db: &Database, queue: &JobQueue) -> Result<usize, PumpError> {
    match &db.pool {
        Pool::Postgres(_) => {
            let claim = begin_write(&db.conn).await?;
            let queued = queue_batch(&claim, queue).await?;
            claim.commit().await?;
            Ok(queued)
        }
        // One process owns an embedded database, and a transaction here would hold SQLite's
        // write lock against the queue's own insert.
        Pool::Sqlite(_) => queue_batch(&db.conn, queue).await,
    }
}

async fn queue_batch(conn: &impl ConnectionTrait, queue: &JobQueue) -> Result<usize, PumpError> {
    let ids = receipts::unqueued(conn, BATCH_LEN).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let jobs = ids
        .iter()
        .map(|webhook_id| ProcessWebhook {
            webhook_id: webhook_id.clone(),
        })
        .collect();
    queue.push_all(jobs).await?;
    receipts::mark_queued(conn, &ids).await?;
    Ok(ids.len())
}
