//! Worker processes: one apalis worker per job type, all supervised by one monitor, plus the
//! heartbeat that `/readyz` reads. Shutdown stops fetching, lets running jobs finish within a
//! timeout, and leaves unfinished ones to be recovered as orphans by the next worker.

use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::layers::WorkerBuilderExt;
use apalis::prelude::{BackendExt, BackoffConfig, Monitor, ParallelizeExt, WorkerBuilder};
use common::database::Pool;
use common::settings::WorkerSettings;
use common::{Database, Settings};
use services::shop_auth::ShopifyApp;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::heartbeat::{self, Liveness};
use crate::host_locks::HostLocks;
use crate::job::{Job, JobContext};
use crate::jobs::{
    BuildEmailFeeds, ConnectWebPixel, GuardExperiments, LoadDemoShop, PrecomputeListPart,
    PrecomputeLists, PrecomputeProduct, ProcessWebhook, PurgeShop, PushEmailLists,
    ReconcileCatalog, RefreshShopToken, RollupMetrics, SyncCatalog, TrainModels,
};
use crate::keepalive::{self, LiveWorkers};
use crate::queue::{JobQueue, postgres_storage, sqlite_storage};
use crate::retry::RetryBackoff;
use crate::{receipts, runner, schedule};

/// Jobs a worker fetches at once: one, so it never holds a job it has no slot to start
/// (apalis fetches only when a slot is free).
const FETCH_BATCH: usize = 1;

/// How far an idle queue's polling slows down, as a multiple of `worker.poll_interval_ms`:
/// fifteen queues polled twice a second took a few percent of a core from an embedded app
/// serving a thousand answers a second; a queue that finds a job polls at the full rate again.
const IDLE_POLL_SLOWDOWN: u32 = 8;

/// The idle backoff of a queue polled every `poll`: doubling up to [`IDLE_POLL_SLOWDOWN`]
/// times `poll`.
fn idle_backoff(poll: Duration) -> BackoffConfig {
    BackoffConfig::new(poll.saturating_mul(IDLE_POLL_SLOWDOWN))
}

/// When apalis's own orphan check takes a worker for dead on SQLite, where ours asks the OS
/// first ([`HostLocks`]): a backstop, should a lock file be lost.
const APALIS_BACKSTOP: Duration = Duration::from_secs(24 * 60 * 60);
/// How often apalis beats for each worker on SQLite, where the heartbeat task keeps every
/// worker's `last_seen` in one statement: apalis's two statements per worker and beat only
/// run its backstop check there.
const APALIS_BACKSTOP_BEAT: Duration = Duration::from_secs(60);

/// Registers a worker for every job type: the one list of jobs the workers run.
fn register_all(monitor: Monitor, workers: &WorkerSetup) -> Monitor {
    let monitor = workers.register::<LoadDemoShop>(monitor);
    let monitor = workers.register::<TrainModels>(monitor);
    let monitor = workers.register::<PrecomputeLists>(monitor);
    let monitor = workers.register::<PrecomputeListPart>(monitor);
    let monitor = workers.register::<PrecomputeProduct>(monitor);
    let monitor = workers.register::<RollupMetrics>(monitor);
    let monitor = workers.register::<ProcessWebhook>(monitor);
    let monitor = workers.register::<PurgeShop>(monitor);
    let monitor = workers.register::<SyncCatalog>(monitor);
    let monitor = workers.register::<ConnectWebPixel>(monitor);
    let monitor = workers.register::<ReconcileCatalog>(monitor);
    let monitor = workers.register::<PushEmailLists>(monitor);
    let monitor = workers.register::<BuildEmailFeeds>(monitor);
    let monitor = workers.register::<GuardExperiments>(monitor);
    workers.register::<RefreshShopToken>(monitor)
}

/// What each per-job worker is built from.
struct WorkerSetup {
    pool: Pool,
    ctx: JobContext,
    settings: WorkerSettings,
    /// Unique per process: apalis refuses (SQLite) or never recovers (PostgreSQL) a reused name.
    process_id: String,
    /// The current worker of each queue, kept alive by the heartbeat task.
    live: LiveWorkers,
    /// Cuts a restart's wait short at shutdown.
    stop: CancellationToken,
}

impl WorkerSetup {
    /// Adds a worker for job `J` to the monitor.
    fn register<J: Job>(&self, monitor: Monitor) -> Monitor {
        let process_id = self.process_id.clone();
        let live = self.live.clone();
        let name = move |restarts: usize| {
            let name = format!("{}-{process_id}-{restarts}", J::NAME);
            live.started(J::NAME, name.clone());
            name
        };
        let live = self.live.clone();
        let stop = self.stop.clone();
        // A restarted worker waits out its queue's backoff before it polls (a database that
        // keeps failing is not hammered), and reports when it polls again.
        let wait_turn = move || {
            let (live, stop) = (live.clone(), stop.clone());
            let delay = live.restart_delay(J::NAME, Instant::now());
            async move {
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = stop.cancelled() => {}
                }
                live.polling(J::NAME, Instant::now());
            }
        };
        let ctx = self.ctx.clone();
        let concurrency = self.settings.concurrency;
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        let beat = Duration::from_secs(self.settings.heartbeat_interval_secs);
        // apalis's own orphan check (at each worker's beat) uses the same threshold as ours;
        // where ours asks the OS too (SQLite), apalis's only backstops it after a day.
        let (beat, orphan_after) = match self.live.locks() {
            Some(_) => (beat.max(APALIS_BACKSTOP_BEAT), APALIS_BACKSTOP),
            None => (beat, keepalive::orphan_after(beat)),
        };
        let missed = orphan_after.as_secs().div_ceil(beat.as_secs().max(1));
        let missed = usize::try_from(missed).unwrap_or(usize::MAX);
        let backoff = RetryBackoff::from_settings(&self.settings);
        // The two backends' storages are distinct types with the same API: one definition
        // of the worker serves both.
        macro_rules! register_on {
            ($config:ty, $storage:expr) => {{
                let config = <$config>::default()
                    .queue(J::NAME)
                    .heartbeat_interval(beat)
                    .missed_heartbeats(missed)
                    .batch_size(FETCH_BATCH);
                let storage = $storage.with_config(config);
                monitor.register(move |restarts| {
                    let wait_turn = wait_turn.clone();
                    let backend = storage
                        .clone()
                        .poll_with_backoff(poll, idle_backoff(poll))
                        .before_start(move |_| {
                            let turn = wait_turn();
                            async move {
                                turn.await;
                                Ok(())
                            }
                        });
                    WorkerBuilder::new(name(restarts))
                        .backend(backend)
                        .data(ctx.clone())
                        .data(backoff)
                        .concurrency(concurrency)
                        // No retry layer: it would sleep the backoff in a concurrency slot.
                        // Failed jobs wait in the storage instead (`runner::handle`).
                        .catch_panic()
                        .parallelize(tokio::spawn)
                        .build(runner::handle::<J>)
                })
            }};
        }
        match &self.pool {
            Pool::Sqlite(pool) => register_on!(apalis_sqlite::Config, sqlite_storage::<J>(pool)),
            Pool::Postgres(pool) => {
                register_on!(apalis_postgres::Config, postgres_storage::<J>(pool))
            }
        }
    }
}

/// Running workers, their heartbeat and the scheduler.
pub struct WorkerPool {
    stop: CancellationToken,
    monitor: JoinHandle<()>,
    heartbeat: JoinHandle<()>,
    scheduler: JoinHandle<()>,
    receipts: JoinHandle<()>,
}

impl WorkerPool {
    /// Starts the workers a process runs with `settings`: the app's Shopify identity, public
    /// URL and retention in their context (the `worker` binary, and the app's in-process
    /// worker in the embedded mode).
    #[must_use]
    pub fn configured(
        queue: &JobQueue,
        db: &Database,
        settings: &Settings,
        shopify: Option<Arc<ShopifyApp>>,
    ) -> Self {
        let ctx = JobContext::configured(db.clone(), settings, shopify);
        Self::start(queue, ctx, &settings.worker)
    }

    /// Starts a worker for every job type on the queue's database, plus the heartbeat.
    #[must_use]
    pub fn start(queue: &JobQueue, ctx: JobContext, settings: &WorkerSettings) -> Self {
        let process_id = process_id();
        tracing::info!(worker = %process_id, "starting workers");
        let live = LiveWorkers::new(HostLocks::for_pool(queue.pool()));
        let stop = CancellationToken::new();
        let setup = WorkerSetup {
            pool: queue.pool().clone(),
            ctx: ctx.clone(),
            settings: settings.clone(),
            process_id: process_id.clone(),
            live: live.clone(),
            stop: stop.clone(),
        };
        let shutdown_timeout = Duration::from_secs(settings.shutdown_timeout_secs);
        let monitor = register_all(Monitor::new(), &setup)
            .should_restart({
                let live = live.clone();
                move |worker, err| {
                    // Its running jobs lose their tracking with it: stop beating for the old
                    // name so they are recovered; the restarted worker gets a new one.
                    live.stopped(worker.name(), Instant::now());
                    tracing::error!(
                        worker = %worker.name(),
                        restarts = worker.restarts(),
                        %err,
                        "worker stopped with an error; restarting it after a backoff"
                    );
                    true
                }
            })
            .shutdown_timeout(shutdown_timeout);
        let signal = stop.clone();
        let monitor = tokio::spawn(async move {
            let until = async move {
                signal.cancelled().await;
                Ok(())
            };
            if let Err(err) = monitor.run_with_signal(until).await {
                tracing::error!(%err, "worker monitor failed");
            }
        });
        let scheduler = tokio::spawn(schedule::run(
            ctx.db.conn.clone(),
            queue.clone(),
            Duration::from_secs(settings.schedule_interval_secs),
            stop.clone(),
        ));
        let receipts = tokio::spawn(receipts::run(
            ctx.db.clone(),
            queue.clone(),
            Duration::from_millis(settings.poll_interval_ms),
            stop.clone(),
        ));
        let liveness = Liveness {
            db: ctx.db,
            process: process_id,
            interval: Duration::from_secs(settings.heartbeat_interval_secs),
            workers: live,
        };
        let heartbeat = tokio::spawn(heartbeat::run(liveness, stop.clone()));
        Self {
            stop,
            monitor,
            heartbeat,
            scheduler,
            receipts,
        }
    }

    /// Stops fetching jobs, waits up to `timeout` for running ones, and stops the heartbeat.
    pub async fn shutdown(self, timeout: Duration) {
        self.stop.cancel();
        if tokio::time::timeout(timeout, self.monitor).await.is_err() {
            tracing::warn!("workers did not stop in time; unfinished jobs will be recovered");
        }
        let _stopped = self.heartbeat.await;
        let _stopped = self.scheduler.await;
        let _stopped = self.receipts.await;
        tracing::info!("workers stopped");
    }
}

/// `host-pid-random`: unique across processes and restarts.
fn process_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &random[..8])
}
