//! Every background job: a documented serde payload, its stable name (which is also its
//! queue), its attempt budget, its dedupe key, and its handler. [`register_all`] is the one
//! list of jobs the workers run.

mod connect_web_pixel;
mod load_demo_shop;
mod precompute_lists;
mod precompute_product;
mod process_webhook;
mod purge_shop;
mod reconcile_catalog;
mod refresh_shop_token;
mod rollup_metrics;
mod sync_catalog;
mod train_models;

use std::future::Future;
use std::sync::Arc;

use apalis::prelude::{AbortError, Attempt, BoxDynError, Data, Monitor, TaskId};
use common::{Database, Settings};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::pool::WorkerSetup;
use crate::retry::{self, RetryBackoff};
use crate::rollups::Retention;
use crate::runs::JobRun;
use crate::shop_auth::ShopifyApp;

pub use connect_web_pixel::ConnectWebPixel;
pub use load_demo_shop::LoadDemoShop;
pub use precompute_lists::PrecomputeLists;
pub use precompute_product::PrecomputeProduct;
pub use process_webhook::{
    COMPLIANCE_TOPICS, ProcessWebhook, SUBSCRIBED_TOPICS, TopicKind, classify,
};
pub use purge_shop::PurgeShop;
pub use reconcile_catalog::ReconcileCatalog;
pub use refresh_shop_token::RefreshShopToken;
pub use rollup_metrics::RollupMetrics;
pub use sync_catalog::SyncCatalog;
pub use train_models::TrainModels;

/// Registers a worker for every job type: the one list of jobs the workers run.
pub(crate) fn register_all(monitor: Monitor, workers: &WorkerSetup) -> Monitor {
    let monitor = workers.register::<LoadDemoShop>(monitor);
    let monitor = workers.register::<TrainModels>(monitor);
    let monitor = workers.register::<PrecomputeLists>(monitor);
    let monitor = workers.register::<PrecomputeProduct>(monitor);
    let monitor = workers.register::<RollupMetrics>(monitor);
    let monitor = workers.register::<ProcessWebhook>(monitor);
    let monitor = workers.register::<PurgeShop>(monitor);
    let monitor = workers.register::<SyncCatalog>(monitor);
    let monitor = workers.register::<ConnectWebPixel>(monitor);
    let monitor = workers.register::<ReconcileCatalog>(monitor);
    workers.register::<RefreshShopToken>(monitor)
}

/// What every job handler may use.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The database.
    pub db: Database,
    /// The app's Shopify identity; `None` in the embedded demo mode without credentials.
    pub shopify: Option<Arc<ShopifyApp>>,
    /// The app's public base URL (`server.public_url`), where shops' web pixels post events.
    pub public_url: Option<String>,
    /// How long impressions and events are kept.
    pub retention: Retention,
}

impl JobContext {
    /// A context without Shopify credentials.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self {
            db,
            shopify: None,
            public_url: None,
            retention: Retention::default(),
        }
    }

    /// The context a worker process runs jobs with: the app's Shopify identity, public URL
    /// and retention from `settings`.
    #[must_use]
    pub fn configured(db: Database, settings: &Settings, shopify: Option<Arc<ShopifyApp>>) -> Self {
        Self::new(db)
            .with_shopify(shopify)
            .with_public_url(settings.server.public_url.clone())
            .with_retention(Retention::from_settings(&settings.events))
    }

    /// Sets how long impressions and events are kept.
    #[must_use]
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// Adds the app's Shopify identity.
    #[must_use]
    pub fn with_shopify(mut self, shopify: Option<Arc<ShopifyApp>>) -> Self {
        self.shopify = shopify;
        self
    }

    /// Adds the app's public base URL.
    #[must_use]
    pub fn with_public_url(mut self, public_url: Option<String>) -> Self {
        self.public_url = public_url;
        self
    }
}

/// How a job failed: retried later, or given up on.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth retrying (database busy, remote API down…).
    #[error("{0}")]
    Transient(String),
    /// Retrying cannot help (invalid payload, shop gone…).
    #[error("{0}")]
    Permanent(String),
}

impl From<sea_orm::DbErr> for JobError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Transient(err.to_string())
    }
}

impl From<crate::recs::BuildError> for JobError {
    fn from(err: crate::recs::BuildError) -> Self {
        match err {
            // The same inputs will be refused again.
            crate::recs::BuildError::Ranker(err) => Self::Permanent(err.to_string()),
            err => Self::Transient(err.to_string()),
        }
    }
}

/// Dedupe key of a job scheduled once per shop and window; `None` for on-demand runs, which
/// are never deduplicated.
fn window_dedupe(shop_id: i64, window: Option<&str>) -> Option<String> {
    window.map(|window| format!("{shop_id}:{window}"))
}

/// `job_runs` key of a windowed job's run.
fn window_run_key(window: Option<&str>) -> &str {
    window.unwrap_or("on-demand")
}

/// Runs a shop's job with its progress and outcome recorded in `job_runs`; `work` returns a
/// short summary of what it did.
///
/// # Errors
/// The job's error (recorded on the run first), or a database error recording it.
pub(crate) async fn tracked<Fut>(
    db: &Database,
    shop_id: i64,
    job: &str,
    run_key: &str,
    work: impl FnOnce(JobRun) -> Fut,
) -> Result<(), JobError>
where
    Fut: Future<Output = Result<String, JobError>>,
{
    let run = JobRun::start(&db.conn, shop_id, job, run_key, None).await?;
    match work(run.clone()).await {
        Ok(detail) => Ok(run.succeed(&db.conn, &detail).await?),
        Err(err) => {
            run.fail(&db.conn, &err.to_string()).await?;
            Err(err)
        }
    }
}

/// A typed background job.
pub trait Job: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static {
    /// Stable name, also the queue name. Never rename a job that may be queued.
    const NAME: &'static str;
    /// Attempts in total, the first included; retries wait in the queue for an exponential
    /// backoff (`worker.retry_backoff_*`).
    const MAX_ATTEMPTS: usize = 5;

    /// Jobs with the same key are queued once (for example a webhook id). `None`: no dedupe.
    fn dedupe_key(&self) -> Option<String> {
        None
    }

    /// Does the work. Must be idempotent: a job can run again after a crash.
    fn run(self, ctx: JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// The apalis handler for any [`Job`]: runs it in a span and maps failures to retry or abort.
/// A transient failure with attempts left first moves the job's next run out by the backoff
/// (see [`crate::retry`]), so the wait happens in the queue, not in this worker's slot.
///
/// # Errors
/// The job's error, boxed; permanent errors abort further attempts.
pub async fn handle<J: Job>(
    job: J,
    ctx: Data<JobContext>,
    backoff: Data<RetryBackoff>,
    attempt: Attempt,
    task_id: TaskId,
) -> Result<(), BoxDynError> {
    let attempt = attempt.current();
    let span = tracing::info_span!("job", name = J::NAME, attempt);
    async move {
        tracing::info!("job started");
        match job.run((*ctx).clone()).await {
            Ok(()) => {
                tracing::info!("job done");
                Ok(())
            }
            Err(JobError::Permanent(reason)) => {
                tracing::error!(%reason, "job failed permanently");
                Err(AbortError::new(JobError::Permanent(reason)).into())
            }
            Err(err) if attempt < J::MAX_ATTEMPTS => {
                retry_later(&ctx.db, &backoff, &task_id, attempt, &err).await;
                Err(err.into())
            }
            Err(err) => {
                tracing::error!(%err, "job failed; no attempts left");
                Err(err.into())
            }
        }
    }
    .instrument(span)
    .await
}

/// Moves a transiently failed job's next run out by the backoff for `attempt`.
async fn retry_later(
    db: &Database,
    backoff: &RetryBackoff,
    task_id: &TaskId,
    attempt: usize,
    err: &JobError,
) {
    let delay = backoff.delay(attempt, &mut rand::rng());
    match retry::reschedule(&db.pool, task_id, delay).await {
        Ok(()) => tracing::warn!(%err, retry_in = ?delay, "job failed; will retry"),
        // The storage then fetches the job again at its next poll, without backoff (apalis's
        // own handling of a failed job): busier, but the job is not lost.
        Err(reschedule) => {
            tracing::warn!(%err, %reschedule, "job failed; will retry without backoff");
        }
    }
}
