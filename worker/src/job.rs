//! What a background job is: the [`Job`] trait, the [`JobContext`] handlers run with, the
//! [`JobError`] that tells the runner whether to retry, and the one way a job's dedupe key is
//! spelled. The runner ([`crate::runner`], [`crate::pool`]) and the queue build on this file;
//! it imports from neither.

use std::future::Future;
use std::sync::Arc;

use common::settings::WorkerSettings;
use common::{Database, Settings};
use serde::Serialize;
use serde::de::DeserializeOwned;
use services::email::KlaviyoApi;
use services::recs::BuildError;
use services::rollups::{Retention, Windows};
use services::runs::JobRun;
use services::shop_auth::ShopifyApp;

/// A typed background job.
pub trait Job: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static {
    /// Stable name, also the queue name. Never rename a job that may be queued.
    const NAME: &'static str;
    /// Attempts in total, the first included; retries wait in the queue for an exponential
    /// backoff (`worker.retry_backoff_*`).
    const MAX_ATTEMPTS: usize = 5;

    /// What makes two jobs the same work (for example a shop and a day): jobs with equal
    /// parts are queued once. `None`: never deduplicated. [`dedupe_key`] spells the key.
    fn dedupe_parts(&self) -> Option<Vec<String>> {
        None
    }

    /// Does the work. Must be idempotent: a job can run again after a crash.
    fn run(self, ctx: JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// The queue's dedupe key of `job`: its name and its dedupe parts, joined by `:`.
#[must_use]
pub fn dedupe_key<J: Job>(job: &J) -> Option<String> {
    let parts = job.dedupe_parts()?;
    Some(
        std::iter::once(J::NAME.to_owned())
            .chain(parts)
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// Dedupe parts of a job scheduled once per shop and window; `None` for on-demand runs,
/// which are never deduplicated.
#[must_use]
pub fn per_window(shop_id: i64, window: Option<&str>) -> Option<Vec<String>> {
    window.map(|window| vec![shop_id.to_string(), window.to_owned()])
}

/// `job_runs` key of a windowed job's run.
#[must_use]
pub fn window_run_key(window: Option<&str>) -> &str {
    window.unwrap_or("on-demand")
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
    /// The rollups' look-back windows.
    pub metric_windows: Windows,
    /// Products per part of a full precompute (`worker.precompute_part_products`).
    pub precompute_part_products: u64,
    /// How Klaviyo is reached (`klaviyo.*`).
    pub klaviyo: KlaviyoApi,
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
            metric_windows: Windows::default(),
            precompute_part_products: WorkerSettings::default().precompute_part_products,
            klaviyo: KlaviyoApi::from_settings(&common::settings::KlaviyoSettings::default()),
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
            .with_metric_windows(Windows::from_settings(&settings.events))
            .with_precompute_part_products(settings.worker.precompute_part_products)
            .with_klaviyo(KlaviyoApi::from_settings(&settings.klaviyo))
    }

    /// Sets how Klaviyo is reached.
    #[must_use]
    pub fn with_klaviyo(mut self, klaviyo: KlaviyoApi) -> Self {
        self.klaviyo = klaviyo;
        self
    }

    /// Sets the products per part of a full precompute.
    #[must_use]
    pub fn with_precompute_part_products(mut self, products: u64) -> Self {
        self.precompute_part_products = products;
        self
    }

    /// Sets the rollups' look-back windows.
    #[must_use]
    pub fn with_metric_windows(mut self, windows: Windows) -> Self {
        self.metric_windows = windows;
        self
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

    /// The app's Shopify identity, or the permanent failure of a job that needs it.
    ///
    /// # Errors
    /// [`JobError::Permanent`] when no Shopify credentials are configured.
    pub fn shopify(&self) -> Result<&ShopifyApp, JobError> {
        self.shopify
            .as_deref()
            .ok_or_else(|| JobError::permanent("Shopify credentials not configured"))
    }
}

/// How a job failed: retried later, or given up on. Either way the cause keeps its chain,
/// which the job's log line and its `job_runs` row print in full.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth retrying (database busy, remote API down…).
    #[error("{0:#}")]
    Transient(anyhow::Error),
    /// Retrying cannot help (invalid payload, shop gone…).
    #[error("{0:#}")]
    Permanent(anyhow::Error),
}

impl JobError {
    /// A failure worth retrying, caused by `err`.
    pub fn transient(err: impl Into<anyhow::Error>) -> Self {
        Self::Transient(err.into())
    }

    /// A failure retrying cannot mend, described by `reason`.
    pub fn permanent(
        reason: impl std::fmt::Display + std::fmt::Debug + Send + Sync + 'static,
    ) -> Self {
        Self::Permanent(anyhow::Error::msg(reason))
    }

    /// A failure retrying cannot mend, caused by `err`.
    pub fn permanent_from(err: impl Into<anyhow::Error>) -> Self {
        Self::Permanent(err.into())
    }
}

impl From<sea_orm::DbErr> for JobError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::transient(err)
    }
}

impl From<BuildError> for JobError {
    fn from(err: BuildError) -> Self {
        match err {
            // The same inputs will be refused again.
            BuildError::Ranker(_) => Self::permanent_from(err),
            err => Self::transient(err),
        }
    }
}

/// Runs a shop's job with its progress and outcome recorded in `job_runs`; `work` returns a
/// short summary of what it did.
///
/// # Errors
/// The job's error (recorded on the run first), or a database error recording it.
pub async fn tracked<Fut>(
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
