//! Impressions logged off the request path. A request validates its impression and hands it
//! to a bounded queue; one background writer stores them in one transaction per
//! [`WriterConfig::interval`] (or [`WriterConfig::max_rows`] impressions, whichever comes
//! first), so serving does not pay for a write transaction per request. The writer is woken
//! by the first impression of a batch and then sleeps out the interval, so the queue does
//! not wake it (a cross-thread wake-up) for every answer.
//!
//! Nothing is dropped on purpose: when the queue is full the request stores its own impression
//! (the old, direct path), which slows it down instead of losing it; a graceful shutdown
//! stops the queue and flushes what it holds. What a crash (`kill -9`, power loss) can lose
//! is what sits in the queue and the batch being written: at most about one interval of
//! impressions plus a full queue if the database was stalled. A transaction the database
//! refuses is retried (events carry client ids, so a retry never stores one twice), then
//! logged as an error and counted in `impressions_lost_total`.

use std::time::Duration;

use common::database::begin_write;
use sea_orm::{DatabaseConnection, DbErr};
use services::signals::{Impression, Ordinals, SignalError, impression};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How the writer batches.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// Requests the queue holds before requests write their own impressions.
    pub capacity: usize,
    /// Longest an impression waits in the writer before its batch is stored.
    pub interval: Duration,
    /// Impressions that end a batch early.
    pub max_rows: usize,
    /// Attempts per batch before it is given up (and counted as lost).
    pub attempts: u32,
}

impl Default for WriterConfig {
    /// 4,096 requests (about 4 s of traffic at 1,000 requests per second, which rides out a
    /// precompute holding SQLite's write lock), 100 ms, 1,000 impressions, 3 attempts.
    fn default() -> Self {
        Self {
            capacity: 4_096,
            interval: Duration::from_millis(100),
            max_rows: 1_000,
            attempts: 3,
        }
    }
}

/// Where requests log impressions; cheap to clone.
#[derive(Clone)]
pub struct ImpressionLog {
    queue: mpsc::Sender<Impression>,
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
fn queue(conn: DatabaseConnection, capacity: usize) -> (ImpressionLog, mpsc::Receiver<Impression>) {
    let (queue, receiver) = mpsc::channel(capacity.max(1));
    (ImpressionLog { queue, conn }, receiver)
}

impl ImpressionLog {
    /// Validates the request's impression and queues it; when the queue is full or already
    /// stopped, stores it before returning.
    ///
    /// # Errors
    /// [`SignalError::Invalid`] for a bad impression (nothing is queued), or the database
    /// error of a direct write.
    pub async fn record(&self, shown: Impression) -> Result<(), SignalError> {
        // Validated here so a bad request fails alone instead of spoiling a shared batch.
        shown.validate()?;
        match self.queue.try_send(shown) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(shown)) => {
                metrics::counter!("impressions_written_directly_total").increment(1);
                store(&self.conn, &shown).await
            }
            Err(mpsc::error::TrySendError::Closed(shown)) => store(&self.conn, &shown).await,
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
    mut queue: mpsc::Receiver<Impression>,
    mut stop: oneshot::Receiver<()>,
    conn: DatabaseConnection,
    config: WriterConfig,
) {
    let mut batch = Vec::with_capacity(config.max_rows);
    // The products' numbers, kept across batches: read again only for a product not seen.
    let mut ordinals = Ordinals::default();
    loop {
        // Woken by the first impression of a batch only: the others queue up while the writer
        // sleeps, so a busy server does not pay a cross-thread wake-up for every answer.
        tokio::select! {
            biased;
            // Also when the handle was dropped: the queue is flushed either way.
            _ = &mut stop => break,
            received = queue.recv_many(&mut batch, config.max_rows) => {
                if received == 0 {
                    break;
                }
            }
        }
        // A batch that is not full yet waits one interval for more.
        let full = batch.len() + queue.len() >= config.max_rows;
        let stopped = !full && stopped_within(&mut stop, config.interval).await;
        take_queued(&mut queue, &mut batch, config.max_rows);
        write(&conn, std::mem::take(&mut batch), config, &mut ordinals).await;
        if stopped {
            break;
        }
    }
    // Requests that find the queue closed store their own impression; what it holds is flushed.
    queue.close();
    while let Some(shown) = queue.recv().await {
        batch.push(shown);
    }
    write(&conn, batch, config, &mut ordinals).await;
}

/// Waits `interval`; `true` when the writer was told to stop meanwhile.
async fn stopped_within(stop: &mut oneshot::Receiver<()>, interval: Duration) -> bool {
    tokio::select! {
        biased;
        _ = stop => true,
        () = tokio::time::sleep(interval) => false,
    }
}

/// Moves what the queue holds into `batch`, up to `max_rows` in all, without waiting.
fn take_queued(
    queue: &mut mpsc::Receiver<Impression>,
    batch: &mut Vec<Impression>,
    max_rows: usize,
) {
    while batch.len() < max_rows {
        match queue.try_recv() {
            Ok(shown) => batch.push(shown),
            Err(_) => break,
        }
    }
}

/// Stores the impressions in one transaction: many requests commit together, which is what
/// makes SQLite keep up (each commit writes every index page it touched).
async fn write(
    conn: &DatabaseConnection,
    impressions: Vec<Impression>,
    config: WriterConfig,
    ordinals: &mut Ordinals,
) {
    if impressions.is_empty() {
        return;
    }
    let mut backoff = Duration::from_millis(50);
    for attempt in 1..=config.attempts {
        match store_together(conn, &impressions, ordinals).await {
            Ok(()) => return,
            Err(err) if attempt < config.attempts => {
                tracing::warn!(error = %err, attempt, "storing impressions failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 4;
            }
            Err(err) => {
                let lost = impressions.len();
                tracing::error!(error = %err, lost, "impressions lost");
                metrics::counter!("impressions_lost_total")
                    .increment(u64::try_from(lost).unwrap_or(u64::MAX));
            }
        }
    }
}

async fn store_together(
    conn: &DatabaseConnection,
    impressions: &[Impression],
    ordinals: &mut Ordinals,
) -> Result<(), DbErr> {
    let txn = begin_write(conn).await?;
    let stored = match impression::store(&txn, impressions, ordinals).await {
        Ok(()) => txn.commit().await,
        Err(err) => Err(err),
    };
    if stored.is_err() {
        // Numbers given in the failed transaction were rolled back with it.
        ordinals.forget();
    }
    stored
}

/// Stores one request's impression (when the queue is full or closed), its products by
/// their ids: an overloaded server does not read the catalog's numbers for it.
async fn store(conn: &DatabaseConnection, shown: &Impression) -> Result<(), SignalError> {
    let mut by_id = Ordinals::unread();
    Ok(impression::store(conn, std::slice::from_ref(shown), &mut by_id).await?)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::domain::RecId;
    use entity::impression as stored_impression;
    use sea_orm::{EntityTrait, PaginatorTrait};
    use services::signals::{Asked, ShownItem};

    use super::*;
    use crate::serving::fixtures::small_shop;

    /// Request `request`'s answer of 8 items.
    fn shown(shop_id: i64, request: usize) -> Impression {
        Impression {
            shop_id,
            id: RecId::new(Utc::now(), 0, i64::try_from(request).unwrap()),
            rec_text: None,
            surface: "pdp".into(),
            traffic_source: "direct".into(),
            session_id: format!("sess-{request}"),
            anonymous_id: format!("anon-{request}"),
            customer_id: None,
            model_version: Some("m1".into()),
            list_version: None,
            policy_version: "1".into(),
            items: (1..=8)
                .map(|position| ShownItem {
                    product_id: position.into(),
                    module: "similar".into(),
                    position,
                    propensity: 0.5,
                    explored: false,
                })
                .collect(),
            experiment: None,
            asked: Asked::default(),
        }
    }

    async fn stored(conn: &DatabaseConnection) -> u64 {
        stored_impression::Entity::find().count(conn).await.unwrap()
    }

    #[tokio::test]
    async fn queued_impressions_are_stored_when_the_writer_shuts_down() {
        let (_database, db, shop_id) = small_shop().await;
        // Nothing would be written for an hour, or before a million impressions.
        let config = WriterConfig {
            interval: Duration::from_secs(3_600),
            max_rows: 1_000_000,
            ..WriterConfig::default()
        };
        let (log, writer) = start(db.conn.clone(), config);
        for request in 0..50 {
            log.record(shown(shop_id, request)).await.unwrap();
        }
        assert_eq!(stored(&db.conn).await, 0, "still queued");

        writer.shutdown().await;

        assert_eq!(stored(&db.conn).await, 50);
        // After shutdown a request stores its own impression.
        log.record(shown(shop_id, 50)).await.unwrap();
        assert_eq!(stored(&db.conn).await, 51);
    }

    #[tokio::test]
    async fn a_full_queue_makes_the_request_store_its_own_impressions() {
        let (_database, db, shop_id) = small_shop().await;
        // A queue of one that nobody drains.
        let (log, _receiver) = queue(db.conn.clone(), 1);

        log.record(shown(shop_id, 0)).await.unwrap();
        let second = shown(shop_id, 1);
        log.record(second.clone()).await.unwrap();

        let direct = stored_impression::Entity::find()
            .all(&db.conn)
            .await
            .unwrap();
        assert_eq!(direct.len(), 1, "only the second request was written");
        assert_eq!(direct[0].id, second.id.key());
        assert_eq!(direct[0].item_count, 8);
        let answer = impression::answer(&db.conn, &direct[0]).await.unwrap();
        assert_eq!(answer.items.len(), 8);
    }

    #[tokio::test]
    async fn every_impression_of_many_concurrent_requests_is_stored_once() {
        let (_database, db, shop_id) = small_shop().await;
        // A small queue and short interval: some requests queue, some write directly.
        let config = WriterConfig {
            capacity: 4,
            interval: Duration::from_millis(2),
            max_rows: 5,
            attempts: 3,
        };
        let (log, writer) = start(db.conn.clone(), config);
        let mut requests = tokio::task::JoinSet::new();
        for request in 0..200 {
            let log = log.clone();
            requests.spawn(async move { log.record(shown(shop_id, request)).await });
        }
        while let Some(done) = requests.join_next().await {
            done.unwrap().unwrap();
        }

        writer.shutdown().await;

        assert_eq!(stored(&db.conn).await, 200);
    }

    /// The shop's products, lowest id first.
    async fn catalog(conn: &DatabaseConnection, shop_id: i64) -> Vec<entity::product::Model> {
        use entity::product;
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
        product::Entity::find()
            .filter(product::Column::ShopId.eq(shop_id))
            .order_by_asc(product::Column::Id)
            .all(conn)
            .await
            .unwrap()
    }

    /// The shop's product numbers, by product.
    async fn numbers(conn: &DatabaseConnection) -> Vec<(i64, i32)> {
        use entity::product_ordinal;
        use sea_orm::QueryOrder;
        product_ordinal::Entity::find()
            .order_by_asc(product_ordinal::Column::ProductId)
            .all(conn)
            .await
            .unwrap()
            .into_iter()
            .map(|n| (n.product_id, n.ordinal))
            .collect()
    }

    /// Request `request`'s answer showing `products`, asked about `asked`.
    fn showing(shop_id: i64, request: usize, products: &[i64], asked: &[i64]) -> Impression {
        let mut answer = shown(shop_id, request);
        for (item, product) in answer.items.iter_mut().zip(products) {
            item.product_id = *product;
        }
        answer.items.truncate(products.len());
        answer.asked.products = asked.to_vec();
        answer
    }

    async fn row_of(conn: &DatabaseConnection, answer: &Impression) -> stored_impression::Model {
        stored_impression::Entity::find_by_id(answer.id.key())
            .one(conn)
            .await
            .unwrap()
            .unwrap()
    }

    fn product_ids(answer: &services::signals::Answer) -> Vec<i64> {
        answer.items.iter().map(|item| item.product_id).collect()
    }

    #[tokio::test]
    async fn the_writer_names_catalog_products_by_their_numbers_in_fewer_bytes() {
        let (_database, db, shop_id) = small_shop().await;
        let catalog: Vec<i64> = catalog(&db.conn, shop_id)
            .await
            .iter()
            .map(|p| p.id)
            .collect();
        let shown_products: Vec<i64> = catalog.iter().rev().step_by(7).take(8).copied().collect();
        // 99 is not in the catalog: it keeps its id.
        let numbered = showing(shop_id, 0, &shown_products, &[catalog[3], 99]);
        let (log, writer) = start(db.conn.clone(), WriterConfig::default());
        log.record(numbered.clone()).await.unwrap();
        writer.shutdown().await;
        let by_id = showing(shop_id, 1, &shown_products, &[catalog[3], 99]);
        let (overflow, _receiver) = queue(db.conn.clone(), 1);
        overflow.record(shown(shop_id, 2)).await.unwrap();
        overflow.record(by_id.clone()).await.unwrap();

        let numbered_row = row_of(&db.conn, &numbered).await;
        let by_id_row = row_of(&db.conn, &by_id).await;
        for row in [&numbered_row, &by_id_row] {
            let read = impression::answer(&db.conn, row).await.unwrap();
            assert_eq!(product_ids(&read), shown_products);
            assert_eq!(read.asked.products, [catalog[3], 99]);
        }
        let size = |row: &stored_impression::Model| row.packed.as_ref().unwrap().len();
        assert!(
            size(&numbered_row) + 9 * 2 <= size(&by_id_row),
            "{} bytes by number against {} by id",
            size(&numbered_row),
            size(&by_id_row)
        );
        let numbers = numbers(&db.conn).await;
        assert_eq!(numbers.len(), catalog.len(), "every product got a number");
        let mut ordinals: Vec<i32> = numbers.iter().map(|(_, n)| *n).collect();
        ordinals.sort_unstable();
        assert_eq!(
            ordinals,
            (1..=i32::try_from(catalog.len()).unwrap()).collect::<Vec<_>>()
        );
    }

    #[tokio::test]
    async fn a_product_keeps_its_number_when_the_catalog_grows() {
        use sea_orm::{ActiveModelTrait, IntoActiveModel};
        let (_database, db, shop_id) = small_shop().await;
        let catalog = catalog(&db.conn, shop_id).await;
        let first: Vec<i64> = catalog.iter().take(4).map(|p| p.id).collect();
        let mut ordinals = Ordinals::default();
        let before = showing(shop_id, 0, &first, &[]);
        impression::store(&db.conn, std::slice::from_ref(&before), &mut ordinals)
            .await
            .unwrap();
        let numbered = numbers(&db.conn).await;
        // A product created since, with an id below every other.
        let mut added = catalog[0].clone();
        added.id = 1;
        added.handle = "added".into();
        added
            .into_active_model()
            .reset_all()
            .insert(&db.conn)
            .await
            .unwrap();

        // The writer that read the numbers a moment ago names the new product by its id; a
        // writer that reads them now numbers it after the others.
        let soon = showing(shop_id, 1, &[1, first[0]], &[]);
        impression::store(&db.conn, std::slice::from_ref(&soon), &mut ordinals)
            .await
            .unwrap();
        assert_eq!(numbers(&db.conn).await, numbered);
        let later = showing(shop_id, 2, &[1, first[1]], &[1]);
        impression::store(
            &db.conn,
            std::slice::from_ref(&later),
            &mut Ordinals::default(),
        )
        .await
        .unwrap();

        let mut grown = numbers(&db.conn).await;
        let new_number = grown.remove(0);
        assert_eq!(grown, numbered, "no number moved");
        assert_eq!(new_number, (1, i32::try_from(catalog.len()).unwrap() + 1));
        for (answer, products) in [
            (&before, first.clone()),
            (&soon, vec![1, first[0]]),
            (&later, vec![1, first[1]]),
        ] {
            let read = impression::answer(&db.conn, &row_of(&db.conn, answer).await)
                .await
                .unwrap();
            assert_eq!(product_ids(&read), products);
        }
    }

    #[tokio::test]
    async fn a_bad_impression_is_refused_before_it_is_queued() {
        let (_database, db, shop_id) = small_shop().await;
        let (log, _receiver) = queue(db.conn.clone(), 8);
        let mut bad = shown(shop_id, 0);
        bad.items[3].propensity = 2.0;

        let refused = log.record(bad).await;

        assert!(matches!(refused, Err(SignalError::Invalid { .. })));
        assert_eq!(log.queue.capacity(), 8, "nothing was queued");
    }
}
