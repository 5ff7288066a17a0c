//! The scheduler queues each stale shop's daily build once.

use chrono::{Duration, Utc};
use common::Database;
use common::settings::DemoSettings;
use common::testing::TestDatabase;
use worker::JobQueue;

async fn pending_builds(db: &Database) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match db.backend() {
        common::Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM Jobs WHERE job_type = 'build_recommendations'"
        }
        common::Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM apalis.jobs WHERE job_type = 'build_recommendations'"
        }
    };
    let statement = Statement::from_string(db.conn.get_database_backend(), sql);
    db.conn
        .query_one_raw(statement)
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap()
}

#[tokio::test]
async fn stale_shops_get_one_build_a_day_however_often_the_scheduler_ticks() {
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
    let summary = worker::demo::load(&db, &settings).await.unwrap();

    let first = worker::schedule::tick(&db.conn, &queue, Utc::now())
        .await
        .unwrap();
    worker::schedule::tick(&db.conn, &queue, Utc::now())
        .await
        .unwrap();
    assert_eq!(first, 1);
    assert_eq!(pending_builds(&db).await, 1, "one build per shop and day");

    worker::recs::build(&db, summary.shop_id).await.unwrap();
    let fresh = worker::schedule::tick(&db.conn, &queue, Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    let next_day = worker::schedule::tick(&db.conn, &queue, Utc::now() + Duration::hours(25))
        .await
        .unwrap();
    assert_eq!(fresh, 0, "a model trained just now is fresh for a day");
    assert_eq!(next_day, 1);
    assert_eq!(pending_builds(&db).await, 2);
}
