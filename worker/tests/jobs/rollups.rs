//! Daily metric rollups: counts per surface from impressions and attributed events, exposure
//! against the active catalog, idempotent reruns, and the nightly schedule.

use chrono::{Duration, NaiveDate, Utc};
use entity::{event, impression, metric_rollup};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use services::rollups::{Retention, Windows};
use worker::jobs::RollupMetrics;
use worker::{Job, JobContext, JobQueue};

const DAY: &str = "2026-11-24";

fn day() -> NaiveDate {
    DAY.parse().unwrap()
}

/// One impression of `products` on the product page, at noon of [`DAY`].
async fn show(db: &common::Database, shop_id: i64, rec_id: &str, products: &[i64]) {
    let noon = day().and_hms_opt(12, 0, 0).unwrap().and_utc();
    show_at(db, shop_id, rec_id, products, noon).await;
}

/// One impression of `products` on the product page at `at`.
async fn show_at(
    db: &common::Database,
    shop_id: i64,
    rec_id: &str,
    products: &[i64],
    at: chrono::DateTime<Utc>,
) {
    crate::fixtures::show(db, shop_id, rec_id, "pdp", products, at).await;
}

async fn store(db: &common::Database, shop_id: i64, kind: &str, product: i64, attributed: bool) {
    let noon = day().and_hms_opt(12, 0, 0).unwrap().and_utc();
    store_at(db, shop_id, kind, product, attributed, noon).await;
}

async fn store_at(
    db: &common::Database,
    shop_id: i64,
    kind: &str,
    product: i64,
    attributed: bool,
    at: chrono::DateTime<Utc>,
) {
    event::ActiveModel {
        shop_id: Set(shop_id),
        kind: Set(kind.into()),
        anonymous_id: Set("anon".into()),
        session_id: Set("s".into()),
        product_id: Set(Some(product)),
        surface: Set(Some("pdp".into())),
        rec_id: Set(Some("r1".into())),
        impression_id: Set(attributed.then_some(1)),
        occurred_at: Set(at),
        received_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&db.conn)
    .await
    .unwrap();
}

async fn value(db: &common::Database, metric: &str) -> (f64, i64) {
    let row = metric_rollup::Entity::find()
        .filter(metric_rollup::Column::Metric.eq(metric))
        .filter(metric_rollup::Column::Surface.eq("pdp"))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    (row.value, row.samples)
}

#[tokio::test]
async fn a_day_rolls_up_into_counts_rates_and_exposure_and_reruns_give_the_same_rows() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "rollup.myshopify.com", "EUR").await;
    for id in 1..=12 {
        // Two archived products do not count towards the catalog.
        let status = if id > 10 { "archived" } else { "active" };
        crate::fixtures::product(&db, shop.id, id, None, status).await;
    }
    show(&db, shop.id, "r1", &[1, 2, 3]).await;
    show(&db, shop.id, "r2", &[3]).await;
    store(&db, shop.id, "click", 3, true).await;
    store(&db, shop.id, "add_to_cart", 3, true).await;
    store(&db, shop.id, "click", 2, false).await; // not attributed: not counted

    let first = services::rollups::rollup_day(&db.conn, shop.id, day(), Windows::default())
        .await
        .unwrap();
    let again = services::rollups::rollup_day(&db.conn, shop.id, day(), Windows::default())
        .await
        .unwrap();

    assert_eq!(first, again);
    assert_eq!(value(&db, "impressions").await, (4.0, 4));
    assert_eq!(value(&db, "clicks").await.0, 1.0);
    assert_eq!(value(&db, "ctr").await, (0.25, 4));
    assert_eq!(value(&db, "add_to_cart_rate").await, (0.25, 4));
    assert_eq!(value(&db, "items_exposed").await.0, 3.0);
    assert_eq!(value(&db, "catalog_exposure").await, (0.3, 10));
    let rows = metric_rollup::Entity::find().count(&db.conn).await.unwrap();
    assert_eq!(
        rows,
        u64::try_from(first).unwrap(),
        "a rerun replaces, never adds"
    );
}

#[tokio::test]
async fn the_nightly_rollup_removes_impressions_past_their_retention_and_keeps_the_rest() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "keep.myshopify.com", "EUR").await;
    let other = crate::fixtures::shop(&db, "other.myshopify.com", "EUR").await;
    let midnight = day().and_hms_opt(0, 0, 0).unwrap().and_utc();
    // Retention 30 days: the cutoff is midnight 30 days before the rolled-up day.
    let cutoff = midnight - Duration::days(30);
    show_at(&db, shop.id, "old", &[1], cutoff - Duration::seconds(1)).await;
    show_at(&db, shop.id, "older", &[2], cutoff - Duration::days(90)).await;
    show_at(&db, shop.id, "kept", &[3], cutoff).await;
    show(&db, shop.id, "today", &[4]).await;
    show_at(&db, other.id, "other", &[5], cutoff - Duration::days(90)).await;
    let job = RollupMetrics {
        shop_id: shop.id,
        day: day(),
    };
    let ctx = JobContext::new(db.clone()).with_retention(Retention {
        impression_days: 30,
        event_days: 365,
    });

    job.run(ctx).await.unwrap();

    let mut left: Vec<(i64, String)> = impression::Entity::find()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.shop_id, i.rec_id()))
        .collect();
    left.sort();
    let mut expected = vec![
        (shop.id, "kept".to_owned()),
        (shop.id, "today".to_owned()),
        (other.id, "other".to_owned()),
    ];
    expected.sort();
    assert_eq!(left, expected, "only this shop's expired impressions go");
    assert_eq!(
        value(&db, "impressions").await.0,
        1.0,
        "the day is rolled up"
    );
}

#[tokio::test]
async fn the_nightly_rollup_removes_events_past_their_retention_and_keeps_the_rest() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "keep.myshopify.com", "EUR").await;
    let other = crate::fixtures::shop(&db, "other.myshopify.com", "EUR").await;
    let midnight = day().and_hms_opt(0, 0, 0).unwrap().and_utc();
    // Events kept 90 days: the cutoff is midnight 90 days before the rolled-up day.
    let cutoff = midnight - Duration::days(90);
    store_at(
        &db,
        shop.id,
        "view",
        1,
        false,
        cutoff - Duration::seconds(1),
    )
    .await;
    store_at(&db, shop.id, "click", 2, true, cutoff - Duration::days(200)).await;
    store_at(&db, shop.id, "view", 3, false, cutoff).await;
    store(&db, shop.id, "add_to_cart", 4, false).await;
    store_at(
        &db,
        other.id,
        "view",
        5,
        false,
        cutoff - Duration::days(200),
    )
    .await;
    let job = RollupMetrics {
        shop_id: shop.id,
        day: day(),
    };
    let ctx = JobContext::new(db.clone()).with_retention(Retention {
        impression_days: 180,
        event_days: 90,
    });

    job.run(ctx).await.unwrap();

    let mut left: Vec<(i64, Option<i64>)> = event::Entity::find()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.shop_id, e.product_id))
        .collect();
    left.sort();
    let mut expected = vec![(shop.id, Some(3)), (shop.id, Some(4)), (other.id, Some(5))];
    expected.sort();
    assert_eq!(left, expected, "only this shop's expired events go");
}

#[tokio::test]
async fn each_day_is_rolled_up_once_per_shop_however_often_the_scheduler_runs() {
    let (_guard, db) = crate::fixtures::database().await;
    let queue = JobQueue::new(&db).await.unwrap();
    let one = crate::fixtures::shop(&db, "one.myshopify.com", "EUR").await;
    crate::fixtures::shop(&db, "two.myshopify.com", "EUR").await;
    let now = Utc::now();
    // Shop one's day before yesterday is rolled up already: only the gaps are filled.
    let before_yesterday = now.date_naive() - Duration::days(2);
    services::rollups::rollup_day(&db.conn, one.id, before_yesterday, Windows::default())
        .await
        .unwrap();

    for _ in 0..3 {
        worker::schedule::rollups(&db.conn, &queue, now)
            .await
            .unwrap();
    }
    worker::schedule::rollups(&db.conn, &queue, now + Duration::days(1))
        .await
        .unwrap();

    let backfill = i64::try_from(worker::schedule::ROLLUP_BACKFILL_DAYS).unwrap();
    // Two shops × the backfill window, less shop one's rolled-up day, plus the next night.
    assert_eq!(
        crate::jobs_with_status(&db, "rollup_metrics", "Pending").await,
        2 * backfill - 1 + 2
    );
}

#[tokio::test]
async fn the_nightly_rollup_removes_webhook_receipts_past_the_dedupe_window() {
    use entity::webhook_receipt;
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "receipts.myshopify.com", "USD").await;
    let other = crate::fixtures::shop(&db, "others.myshopify.com", "USD").await;
    let now = chrono::Utc::now();
    let receipt = |id: &str, shop_id: Option<i64>, age: Duration| webhook_receipt::ActiveModel {
        webhook_id: Set(id.into()),
        shop_id: Set(shop_id),
        shop_domain: Set("receipts.myshopify.com".into()),
        topic: Set("orders/create".into()),
        payload: Set(serde_json::json!({})),
        received_at: Set(now - age),
        queued_at: Set(Some(now - age)),
        processed_at: Set(Some(now - age)),
        outcome: Set(Some("processed".into())),
        reason: Set(None),
    };
    for (id, shop_id, age) in [
        ("old", Some(shop.id), Duration::days(8)),
        ("recent", Some(shop.id), Duration::days(6)),
        ("old-unknown-shop", None, Duration::days(30)),
        ("old-other-shop", Some(other.id), Duration::days(30)),
    ] {
        receipt(id, shop_id, age).insert(&db.conn).await.unwrap();
    }
    let job = RollupMetrics {
        shop_id: shop.id,
        day: day(),
    };

    job.run(JobContext::new(db.clone())).await.unwrap();

    let mut left: Vec<String> = webhook_receipt::Entity::find()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.webhook_id)
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["old-other-shop", "recent"],
        "another shop's night prunes its own"
    );
}
