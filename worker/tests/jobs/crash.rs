//! A worker process killed with SIGKILL in the middle of a job loses nothing: another worker
//! recovers the orphaned job, runs it to the end, and its output is published exactly once.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};

use common::settings::DemoSettings;
use common::testing::TestDatabase;
use entity::{job_run, model, rec_list};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use services::recs::lists::LISTS_KIND;
use std::time::{Duration, Instant};

use common::database::Pool;
use sea_orm::sqlx;
use worker::JobQueue;
use worker::host_locks::HostLocks;
use worker::jobs::PrecomputeLists;
use worker::keepalive::{self, LiveWorkers};

use crate::{jobs_with_status, wait_for};

/// The real `worker` binary on the test's database, polling and beating quickly, with the
/// scheduler out of the way so the only job is the test's.
fn spawn_worker(database: &TestDatabase) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_worker"));
    command
        .env_clear()
        .env("MEANDER_DATABASE__DATA_DIR", &database.settings.data_dir)
        .env("MEANDER_WORKER__POLL_INTERVAL_MS", "50")
        .env("MEANDER_WORKER__HEARTBEAT_INTERVAL_SECS", "1")
        .env("MEANDER_WORKER__SCHEDULE_INTERVAL_SECS", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = &database.settings.url {
        command.env("DATABASE_URL", url.expose_secret());
    }
    command.spawn().unwrap()
}

async fn precompute_runs(db: &common::Database) -> Vec<job_run::Model> {
    job_run::Entity::find()
        .filter(job_run::Column::Job.eq("precompute_lists"))
        .all(&db.conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_worker_killed_mid_job_loses_nothing_and_the_job_completes_once() {
    let (database, db) = crate::fixtures::database().await;
    let queue = JobQueue::new(&db).await.unwrap();
    // Big enough that the precompute takes several chunks, so the kill lands mid-job.
    let settings = DemoSettings {
        products: 2_000,
        shoppers: 300,
        sessions: 2_500,
        ..Default::default()
    };
    let shop_id = services::demo::load(&db, &settings).await.unwrap().shop_id;
    services::recs::train(&db, shop_id).await.unwrap();
    queue
        .push(PrecomputeLists {
            shop_id,
            window: Some("crash-test".into()),
        })
        .await
        .unwrap();

    let mut first = spawn_worker(&database);
    let mid_job = wait_for(crate::BACKGROUND_WORK, async || {
        precompute_runs(&db)
            .await
            .iter()
            .any(|r| r.status == "running" && r.done > 0 && Some(r.done) < r.total)
    })
    .await;
    first.kill().unwrap(); // SIGKILL: no shutdown, no flush, the job stays claimed.
    first.wait().unwrap();
    assert!(mid_job, "the job never got under way");
    assert!(
        lists_of_kind(&db, shop_id).await.is_empty(),
        "nothing published by the killed run"
    );

    let mut second = spawn_worker(&database);
    let done = wait_for(crate::BACKGROUND_WORK, async || {
        jobs_with_status(&db, "precompute_lists", "Done").await == 1
    })
    .await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert!(done, "the orphaned job was never completed");

    let runs = precompute_runs(&db).await;
    let statuses: Vec<&str> = runs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["interrupted", "succeeded"], "{runs:?}");
    let published = lists_of_kind(&db, shop_id).await;
    assert_eq!(published.len(), 1, "published exactly once");
    let rows = rec_list::Entity::find()
        .filter(rec_list::Column::Surface.ne("pool"))
        .all(&db.conn)
        .await
        .unwrap();
    assert!(
        rows.iter().all(|r| r.list_version == published[0].version),
        "the killed run's partial lists were removed"
    );
    let keys: HashSet<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r.surface.as_str(), r.seed_kind.as_str(), r.seed_id.as_str()))
        .collect();
    assert_eq!(keys.len(), rows.len(), "no list written twice");
    let succeeded = &runs[1];
    assert_eq!(Some(succeeded.done), succeeded.total);
}

async fn lists_of_kind(db: &common::Database, shop_id: i64) -> Vec<model::Model> {
    model::Entity::find()
        .filter(model::Column::ShopId.eq(shop_id))
        .filter(model::Column::Kind.eq(LISTS_KIND))
        .all(&db.conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_worker_processes_run_each_of_many_long_jobs_once() {
    let (database, db) = crate::fixtures::database().await;
    let queue = JobQueue::new(&db).await.unwrap();
    // Each precompute takes seconds, longer than a missed heartbeat or two, and there are
    // more jobs than the two processes have slots.
    let settings = DemoSettings {
        products: 1_500,
        shoppers: 200,
        sessions: 1_500,
        ..Default::default()
    };
    let shop_id = services::demo::load(&db, &settings).await.unwrap().shop_id;
    services::recs::train(&db, shop_id).await.unwrap();
    const JOBS: usize = 6;
    for window in 0..JOBS {
        let window = Some(format!("window-{window}"));
        queue
            .push(PrecomputeLists { shop_id, window })
            .await
            .unwrap();
    }

    let mut workers = [spawn_worker(&database), spawn_worker(&database)];
    let done = wait_for(crate::BACKGROUND_WORK, async || {
        jobs_with_status(&db, "precompute_lists", "Done").await == JOBS as i64
    })
    .await;
    for worker in &mut workers {
        worker.kill().unwrap();
        worker.wait().unwrap();
    }

    assert!(done, "not every job completed");
    let runs = precompute_runs(&db).await;
    let statuses: Vec<&str> = runs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["succeeded"; JOBS], "one run per job: {runs:?}");
}

/// On SQLite a worker may beat late without being dead: another process's long list writes
/// can keep it from the database for longer than the orphan threshold. Its job stays its
/// own while its process holds the worker's lock, and is recovered once the lock is gone.
#[tokio::test]
async fn a_late_worker_keeps_its_job_while_it_holds_its_lock() {
    let (_database, db) = crate::fixtures::database().await;
    let (Some(locks), Pool::Sqlite(pool)) = (HostLocks::for_pool(&db.pool), &db.pool) else {
        return; // PostgreSQL: workers may live on other hosts; their beats alone decide.
    };
    let queue = JobQueue::new(&db).await.unwrap();
    let window = Some("late".into());
    queue
        .push(PrecomputeLists { shop_id: 1, window })
        .await
        .unwrap();
    let live = LiveWorkers::new(Some(locks.clone()));
    live.started("precompute_lists", "late-worker".into());
    // Its last beat was long ago, and it is running the job.
    sqlx::query(
        "INSERT INTO Workers (id, worker_type, storage_name, layers, last_seen) \
         VALUES ('late-worker', 'precompute_lists', 'SqliteStorage', '', \
         strftime('%s', 'now') - 600)",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE Jobs SET status = 'Running', lock_by = 'late-worker'")
        .execute(pool)
        .await
        .unwrap();
    let stale_after = Duration::from_secs(15);

    let recovered = keepalive::recover_orphans(&db.pool, stale_after, Some(&locks)).await;
    assert_eq!(recovered.unwrap(), 0, "its process lives");
    assert_eq!(
        jobs_with_status(&db, "precompute_lists", "Running").await,
        1
    );

    live.stopped("late-worker", Instant::now());
    let recovered = keepalive::recover_orphans(&db.pool, stale_after, Some(&locks)).await;
    assert_eq!(recovered.unwrap(), 1, "nobody holds its lock now");
    assert_eq!(
        jobs_with_status(&db, "precompute_lists", "Pending").await,
        1
    );
}
