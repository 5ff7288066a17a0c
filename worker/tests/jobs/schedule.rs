//! The scheduler queues each stale shop's nightly training and hourly precompute once.

use chrono::{Duration, Utc};
use common::Database;
use common::settings::DemoSettings;
use common::testing::TestDatabase;
use worker::JobQueue;

async fn pending(db: &Database, job: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let table = match db.backend() {
        common::Backend::Sqlite => "Jobs",
        common::Backend::Postgres => "apalis.jobs",
    };
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE job_type = '{job}'");
    let statement = Statement::from_string(db.conn.get_database_backend(), sql);
    db.conn
        .query_one_raw(statement)
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap()
}

/// A migrated database with its queue and a small demo shop.
async fn small_demo() -> (
    TestDatabase,
    Database,
    JobQueue,
    services::demo::DemoSummary,
) {
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();
    let queue = JobQueue::new(&db).await.unwrap();
    let settings = DemoSettings {
        products: 40,
        shoppers: 10,
        sessions: 30,
        ..Default::default()
    };
    let summary = services::demo::load(&db, &settings).await.unwrap();
    (database, db, queue, summary)
}

#[tokio::test]
async fn stale_shops_get_one_training_a_day_and_one_precompute_an_hour() {
    let (_database, db, queue, summary) = small_demo().await;

    let tick = |hours: i64| {
        let (conn, queue) = (db.conn.clone(), queue.clone());
        async move {
            worker::schedule::tick(&conn, &queue, Utc::now() + Duration::hours(hours))
                .await
                .unwrap()
        }
    };

    assert_eq!(tick(0).await, 1);
    assert_eq!(
        tick(0).await,
        1,
        "ticks again, but the queue drops the duplicate"
    );
    assert_eq!(
        pending(&db, "train_models").await,
        1,
        "one training per shop and day"
    );

    services::recs::train(&db, summary.shop_id).await.unwrap();
    assert_eq!(tick(0).await, 1, "fresh pools, but no lists yet");
    assert_eq!(tick(0).await, 1);
    assert_eq!(
        pending(&db, "precompute_lists").await,
        1,
        "one precompute per hour"
    );
    assert_eq!(pending(&db, "train_models").await, 1);

    let run =
        services::runs::JobRun::start(&db.conn, summary.shop_id, "precompute_lists", "t", None)
            .await
            .unwrap();
    services::recs::lists::precompute_all(&db, summary.shop_id, &run)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tick(0).await, 0, "pools and lists are fresh");
    assert_eq!(tick(2).await, 1, "lists are precomputed hourly");
    assert_eq!(pending(&db, "precompute_lists").await, 2);
    assert_eq!(tick(25).await, 1, "pools are retrained daily");
    assert_eq!(pending(&db, "train_models").await, 2);
}

#[tokio::test]
async fn the_demo_shop_is_never_reconciled_with_shopify() {
    let (_database, db, queue, _) = small_demo().await;

    let queued = worker::schedule::reconciliations(&db.conn, &queue, Utc::now()).await;

    assert_eq!(queued.unwrap(), 0);
    assert_eq!(pending(&db, "reconcile_catalog").await, 0);
}

#[tokio::test]
async fn shops_running_an_experiment_get_one_guard_rail_check_an_hour() {
    let (_database, db, queue, summary) = small_demo().await;
    let now = Utc::now();
    let guard = || worker::schedule::guard_rails(&db.conn, &queue, now);
    assert_eq!(guard().await.unwrap(), 0, "no experiment runs");

    let definition: services::experiments::Definition = serde_json::from_value(serde_json::json!({
        "name": "holdout",
        "surface": "home",
        "arms": [
            {"name": "control", "share": 90, "policy": {"kind": "current"}},
            {"name": "holdout", "share": 10, "policy": {"kind": "no_module"}},
        ],
    }))
    .unwrap();
    let store = services::experiments::store::create(&db.conn, summary.shop_id, &definition, now);
    let created = store.await.unwrap();
    services::experiments::store::start(&db.conn, summary.shop_id, created.id, now)
        .await
        .unwrap();

    assert_eq!(guard().await.unwrap(), 1);
    assert_eq!(guard().await.unwrap(), 1);
    assert_eq!(
        pending(&db, "guard_experiments").await,
        1,
        "one check an hour"
    );
}
