//! The job machinery on a real database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`).
#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod adjacency;
mod bulk_finish;
mod catalog;
mod cohorts;
mod compliance;
mod crash;
mod email_push;
mod fixtures;
mod full_sync;
mod precompute;
mod receipts;
mod retry;
mod rollup_discovery;
mod rollups;
mod schedule;
mod sync;
mod web_pixel;
mod webhooks;

use std::time::{Duration, Instant};

use common::Database;
use common::settings::{DemoSettings, WorkerSettings};
use common::testing::TestDatabase;
use entity::{product, shop};
use sea_orm::{EntityTrait, PaginatorTrait};
use worker::jobs::LoadDemoShop;
use worker::{JobContext, JobQueue, WorkerPool};

/// The one deadline for background work in these tests: generous, because a slow or busy
/// machine may take minutes where this one takes seconds; a passing test returns as soon as
/// the work is done.
const BACKGROUND_WORK: Duration = Duration::from_secs(300);

fn quick_workers() -> WorkerSettings {
    WorkerSettings {
        poll_interval_ms: 50,
        heartbeat_interval_secs: 1,
        heartbeat_stale_after_secs: 5,
        shutdown_timeout_secs: 5,
        ..WorkerSettings::default()
    }
}

async fn migrated(database: &TestDatabase) -> Database {
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();
    db
}

async fn wait_for(timeout: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Counts the queue's jobs of one type in a given status, whatever the backend.
async fn jobs_with_status(db: &Database, job_type: &str, status: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match db.backend() {
        common::Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM Jobs WHERE job_type = ? AND status = ?"
        }
        common::Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM apalis.jobs WHERE job_type = $1 AND status = $2"
        }
    };
    let statement = Statement::from_sql_and_values(
        db.conn.get_database_backend(),
        sql,
        [job_type.into(), status.into()],
    );
    let row = db.conn.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get("", "n").unwrap()
}

#[tokio::test]
async fn a_queued_job_runs_exactly_once_across_two_worker_processes() {
    let database = TestDatabase::create().await;
    let db = migrated(&database).await;
    let queue = JobQueue::new(&db).await.unwrap();
    let settings = DemoSettings {
        products: 40,
        shoppers: 10,
        sessions: 30,
        ..Default::default()
    };
    queue.push(LoadDemoShop::from(&settings)).await.unwrap();

    let first = WorkerPool::start(&queue, JobContext::new(db.clone()), &quick_workers());
    let second = WorkerPool::start(&queue, JobContext::new(db.clone()), &quick_workers());
    let done = wait_for(BACKGROUND_WORK, async || {
        jobs_with_status(&db, "load_demo_shop", "Done").await == 1
    })
    .await;
    first.shutdown(Duration::from_secs(5)).await;
    second.shutdown(Duration::from_secs(5)).await;

    assert!(done, "the job never completed");
    assert_eq!(shop::Entity::find().count(&db.conn).await.unwrap(), 1);
    assert_eq!(product::Entity::find().count(&db.conn).await.unwrap(), 40);
}

#[tokio::test]
async fn workers_beat_while_running_and_clear_their_heartbeat_on_shutdown() {
    let database = TestDatabase::create().await;
    let db = migrated(&database).await;
    let queue = JobQueue::new(&db).await.unwrap();

    let pool = WorkerPool::start(&queue, JobContext::new(db.clone()), &quick_workers());
    let beating = wait_for(BACKGROUND_WORK, async || {
        entity::worker_heartbeat::Entity::find()
            .count(&db.conn)
            .await
            .unwrap()
            == 1
    })
    .await;
    pool.shutdown(Duration::from_secs(5)).await;

    assert!(beating, "no heartbeat written");
    assert_eq!(
        entity::worker_heartbeat::Entity::find()
            .count(&db.conn)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn setting_up_the_queue_twice_is_harmless() {
    let database = TestDatabase::create().await;
    let db = migrated(&database).await;

    worker::queue::setup(&db).await.unwrap();
    worker::queue::setup(&db).await.unwrap();

    assert_eq!(jobs_with_status(&db, "load_demo_shop", "Pending").await, 0);
}

/// Renames the queue's job table (`to` = the other name), which makes every fetch fail.
async fn rename_job_table(db: &Database, from: &str, to: &str) {
    use sea_orm::ConnectionTrait;
    let sql = match db.backend() {
        common::Backend::Sqlite => format!("ALTER TABLE {from} RENAME TO {to}"),
        common::Backend::Postgres => format!("ALTER TABLE apalis.{from} RENAME TO {to}"),
    };
    db.conn.execute_unprepared(&sql).await.unwrap();
}

/// The queues the process's heartbeat reports down.
async fn down_queues(db: &Database) -> Vec<String> {
    entity::worker_heartbeat::Entity::find()
        .one(&db.conn)
        .await
        .unwrap()
        .and_then(|beat| beat.down_queues)
        .map(|queues| serde_json::from_value(queues).unwrap())
        .unwrap_or_default()
}

#[tokio::test]
async fn workers_that_keep_failing_restart_with_a_backoff_and_their_queues_are_reported_down() {
    let database = TestDatabase::create().await;
    let db = migrated(&database).await;
    let queue = JobQueue::new(&db).await.unwrap();
    let pool = WorkerPool::start(&queue, JobContext::new(db.clone()), &quick_workers());
    assert!(wait_for(BACKGROUND_WORK, async || down_queues(&db).await.is_empty()).await);

    let broken = Instant::now();
    let (table, away) = match db.backend() {
        common::Backend::Sqlite => ("Jobs", "Jobs_away"),
        common::Backend::Postgres => ("jobs", "jobs_away"),
    };
    rename_job_table(&db, table, away).await;
    let reported = wait_for(BACKGROUND_WORK, async || {
        down_queues(&db)
            .await
            .contains(&"process_webhook".to_owned())
    })
    .await;
    let after = broken.elapsed();
    rename_job_table(&db, away, table).await;
    pool.shutdown(Duration::from_secs(5)).await;

    assert!(
        reported,
        "a queue whose fetches fail was never reported down"
    );
    // Reported after failing for half a minute, not at the first error.
    assert!(after >= Duration::from_secs(30), "{after:?}");
}
