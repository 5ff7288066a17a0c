//! Impressions logged off the request path. A request validates its impression events and
//! hands them to a bounded queue; one background writer stores them in one transaction per
//! [`WriterConfig::interval`] (or [`WriterConfig::max_rows`] rows, whichever comes first),
//! so serving does not pay for a write transaction per request.
//!
//! Nothing is dropped on purpose: when the queue is full the request stores its own events
//! (the old, direct path), which slows it down instead of losing them; a graceful shutdown
//! stops the queue and flushes what it holds. What a crash (`kill -9`, power loss) can lose
//! is what sits in the queue and the batch being written: at most about one interval of
//! impressions plus a full queue if the database was stalled. A transaction the database
//! refuses is retried (events carry client ids, so a retry never stores one twice), then
//! logged as an error and counted in `impressions_lost_total`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use worker::signals::{self, EventInput, SignalError};

/// How the writer batches.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// Requests the queue holds before requests write their own impressions.
    pub capacity: usize,
    /// Longest an impression waits in the writer before its batch is stored.
    pub interval: Duration,
    /// Rows that end a batch early.
    pub max_rows: usize,
    /// Attempts per batch before it is given up (and counted as lost).
    pub attempts: u32,
}

impl Default for WriterConfig {
    /// 4,096 requests (about 4 s of traffic at 1,000 requests per second, which rides out a
    /// precompute holding SQLite's write lock), 100 ms, 5,000 rows, 3 attempts.
    fn default() -> Self {
        Self {
            capacity: 4_096,
            interval: Duration::from_millis(100),
            max_rows: 5_000,
            attempts: 3,
        }
    }
}

/// One request's impressions.
struct Batch {
    shop_id: i64,
    events: Vec<EventInput>,
    now: DateTime<Utc>,
}

/// Where requests log impressions; cheap to clone.
#[derive(Clone)]
pub struct ImpressionLog {
    queue: mpsc::Sender<Batch>,
    conn: DatabaseConnection,
}

/// The running writer; [`ImpressionWriter::shutdown`] flushes it.
pub struct ImpressionWriter {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Starts the background writer on `conn`.
#[must_use]
pub fn start(conn: DatabaseConnection, config: WriterConfig) -> (ImpressionLog, ImpressionWriter) {
    let (log, receiver) = queue(conn.clone(), config.capacity);
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(run(receiver, stopped, conn, config));
    (log, ImpressionWriter { stop, task })
}

/// The log and the queue's receiving end, without a writer.
fn queue(conn: DatabaseConnection, capacity: usize) -> (ImpressionLog, mpsc::Receiver<Batch>) {
    let (queue, receiver) = mpsc::channel(capacity.max(1));
    (ImpressionLog { queue, conn }, receiver)
}

impl ImpressionLog {
    /// Validates the request's impressions and queues them; when the queue is full or
    /// already stopped, stores them before returning.
    ///
    /// # Errors
    /// [`SignalError::Invalid`] for a bad event (nothing is queued), or the database error
    /// of a direct write.
    pub async fn record(
        &self,
        shop_id: i64,
        events: Vec<EventInput>,
        now: DateTime<Utc>,
    ) -> Result<(), SignalError> {
        // Validated here so a bad request fails alone instead of spoiling a shared batch.
        for (index, event) in events.iter().enumerate() {
            event.validate(index, now)?;
        }
        let batch = Batch {
            shop_id,
            events,
            now,
        };
        match self.queue.try_send(batch) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(batch)) => {
                metrics::counter!("impressions_written_directly_total").increment(1);
                store(&self.conn, &batch).await
            }
            Err(mpsc::error::TrySendError::Closed(batch)) => store(&self.conn, &batch).await,
        }
    }
}

impl ImpressionWriter {
    /// Stops taking new impressions (later requests store their own), stores everything
    /// queued, and waits for the writer to finish.
    pub async fn shutdown(self) {
        // Err: the writer already ended, which only a panic does; the join reports it.
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "the impression writer failed");
        }
    }
}

async fn run(
    mut queue: mpsc::Receiver<Batch>,
    mut stop: oneshot::Receiver<()>,
    conn: DatabaseConnection,
    config: WriterConfig,
) {
    let mut pending = Pending::default();
    loop {
        // The interval runs from the oldest pending impression.
        let flush_at = pending.since.map(|since| since + config.interval);
        tokio::select! {
            biased;
            // Also when the handle was dropped: the queue is flushed either way.
            _ = &mut stop => break,
            next = queue.recv() => {
                let Some(batch) = next else { break };
                pending.push(batch);
                if pending.rows >= config.max_rows {
                    write(&conn, pending.take(), config).await;
                }
            }
            () = sleep_until(flush_at), if flush_at.is_some() => {
                write(&conn, pending.take(), config).await;
            }
        }
    }
    // Requests that find the queue closed store their own events; what it holds is flushed.
    queue.close();
    while let Some(batch) = queue.recv().await {
        pending.push(batch);
    }
    write(&conn, pending.take(), config).await;
}

/// Sleeps until `at`; `None` never comes (the branch is disabled then anyway).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Batches waiting for the next write.
#[derive(Default)]
struct Pending {
    batches: Vec<Batch>,
    rows: usize,
    since: Option<Instant>,
}

impl Pending {
    fn push(&mut self, batch: Batch) {
        self.since.get_or_insert_with(Instant::now);
        self.rows += batch.events.len();
        self.batches.push(batch);
    }

    fn take(&mut self) -> Vec<Batch> {
        std::mem::take(self).batches
    }
}

/// Stores the batches in one transaction: many small batches commit together, which is
/// what makes SQLite keep up (each commit writes every index page it touched).
async fn write(conn: &DatabaseConnection, batches: Vec<Batch>, config: WriterConfig) {
    if batches.is_empty() {
        return;
    }
    let mut backoff = Duration::from_millis(50);
    for attempt in 1..=config.attempts {
        match store_together(conn, &batches).await {
            Ok(()) => return,
            Err(err) if attempt < config.attempts => {
                tracing::warn!(error = %err, attempt, "storing impressions failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 4;
            }
            Err(err) => {
                let lost: usize = batches.iter().map(|b| b.events.len()).sum();
                tracing::error!(error = %err, lost, "impressions lost");
                metrics::counter!("impressions_lost_total")
                    .increment(u64::try_from(lost).unwrap_or(u64::MAX));
            }
        }
    }
}

async fn store_together(conn: &DatabaseConnection, batches: &[Batch]) -> Result<(), DbErr> {
    let txn = conn.begin().await?;
    for batch in batches {
        for chunk in batch.events.chunks(signals::MAX_BATCH) {
            signals::store_validated(&txn, batch.shop_id, chunk, batch.now).await?;
        }
    }
    txn.commit().await
}

/// Stores one request's events (when the queue is full or closed), [`signals::MAX_BATCH`] per
/// transaction.
async fn store(conn: &DatabaseConnection, batch: &Batch) -> Result<(), SignalError> {
    for chunk in batch.events.chunks(signals::MAX_BATCH) {
        signals::ingest(conn, batch.shop_id, chunk, batch.now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use entity::event;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    use super::*;
    use crate::serving::fixtures::small_shop;

    /// `count` impression events of one request.
    fn impressions(request: usize, count: usize, now: DateTime<Utc>) -> Vec<EventInput> {
        (1..=count)
            .map(|position| EventInput {
                id: Some(format!("rec-{request}:{position}")),
                kind: signals::EventKind::Impression,
                occurred_at: now,
                anonymous_id: format!("anon-{request}"),
                session_id: format!("sess-{request}"),
                customer_id: None,
                product_id: None,
                variant_id: None,
                query: None,
                surface: Some("pdp".into()),
                rec_id: Some(format!("rec-{request}")),
                position: i32::try_from(position).ok(),
                propensity: Some(0.5),
                referrer: None,
                device: None,
                provenance: None,
            })
            .collect()
    }

    async fn stored(conn: &DatabaseConnection) -> u64 {
        event::Entity::find()
            .filter(event::Column::Kind.eq("impression"))
            .count(conn)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn queued_impressions_are_stored_when_the_writer_shuts_down() {
        let (_database, db, shop_id) = small_shop().await;
        // Nothing would be written for an hour, or before a million rows.
        let config = WriterConfig {
            interval: Duration::from_secs(3_600),
            max_rows: 1_000_000,
            ..WriterConfig::default()
        };
        let (log, writer) = start(db.conn.clone(), config);
        let now = Utc::now();
        for request in 0..50 {
            log.record(shop_id, impressions(request, 8, now), now)
                .await
                .unwrap();
        }
        assert_eq!(stored(&db.conn).await, 0, "still queued");

        writer.shutdown().await;

        assert_eq!(stored(&db.conn).await, 400);
        // After shutdown a request stores its own impressions.
        log.record(shop_id, impressions(50, 8, now), now)
            .await
            .unwrap();
        assert_eq!(stored(&db.conn).await, 408);
    }

    #[tokio::test]
    async fn a_full_queue_makes_the_request_store_its_own_impressions() {
        let (_database, db, shop_id) = small_shop().await;
        // A queue of one that nobody drains.
        let (log, _receiver) = queue(db.conn.clone(), 1);
        let now = Utc::now();

        log.record(shop_id, impressions(0, 8, now), now)
            .await
            .unwrap();
        log.record(shop_id, impressions(1, 8, now), now)
            .await
            .unwrap();

        let direct = event::Entity::find()
            .filter(event::Column::Kind.eq("impression"))
            .all(&db.conn)
            .await
            .unwrap();
        assert_eq!(direct.len(), 8, "only the second request was written");
        assert!(direct.iter().all(|e| e.rec_id.as_deref() == Some("rec-1")));
    }

    #[tokio::test]
    async fn every_impression_of_many_concurrent_requests_is_stored_once() {
        let (_database, db, shop_id) = small_shop().await;
        // A small queue and short interval: some requests queue, some write directly.
        let config = WriterConfig {
            capacity: 4,
            interval: Duration::from_millis(2),
            max_rows: 40,
            attempts: 3,
        };
        let (log, writer) = start(db.conn.clone(), config);
        let now = Utc::now();
        let mut requests = tokio::task::JoinSet::new();
        for request in 0..200 {
            let log = log.clone();
            requests.spawn(async move {
                log.record(shop_id, impressions(request, 12, now), now)
                    .await
            });
        }
        while let Some(done) = requests.join_next().await {
            done.unwrap().unwrap();
        }

        writer.shutdown().await;

        assert_eq!(stored(&db.conn).await, 200 * 12);
    }

    #[tokio::test]
    async fn a_bad_impression_is_refused_before_it_is_queued() {
        let (_database, db, shop_id) = small_shop().await;
        let (log, _receiver) = queue(db.conn.clone(), 8);
        let now = Utc::now();
        let mut events = impressions(0, 8, now);
        events[3].propensity = Some(2.0);

        let refused = log.record(shop_id, events, now).await;

        assert!(matches!(refused, Err(SignalError::Invalid { .. })));
        assert_eq!(log.queue.capacity(), 8, "nothing was queued");
    }
}
