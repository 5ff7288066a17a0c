//! Full sync of a shop by bulk operations: products with variants, collections with their
//! products, and the last 60 days of orders, one bulk query after the other (Shopify runs
//! one bulk query per app and shop at a time).
//!
//! Each phase has its own `sync_runs` row (kind `full:products`, `reconcile:orders`, …)
//! holding the bulk operation id, the JSONL cursor and progress (`rows_done` lines of
//! `rows_total` = the operation's `objectCount`). A retried job finds the running row and
//! resumes: it keeps polling the same operation, and the ingest skips the lines already
//! committed. An operation that ends FAILED, EXPIRED or CANCELED is started again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{ShopDomain, shop};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use shopify::client::Unauthorized;
use shopify::{AdminClient, AdminError, BulkError, RetryPolicy};

use super::SyncError;
use super::operation::{self, PhaseOutcome};
use super::queries;
use crate::shop_auth::ShopifyApp;
use crate::shop_tokens::ShopTokenError;

/// Why a full sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum FullSyncError {
    /// An Admin API call failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// A bulk operation could not be started.
    #[error(transparent)]
    Bulk(#[from] BulkError),
    /// The shop's token could not be read or refreshed.
    #[error(transparent)]
    Token(#[from] ShopTokenError),
    /// Shopify refused the token even after a refresh.
    #[error(transparent)]
    Unauthorized(#[from] Unauthorized),
    /// Ingesting the result failed.
    #[error(transparent)]
    Ingest(#[from] SyncError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// The bulk operation kept ending without a result.
    #[error("bulk operation ended {status} ({code}) {restarts} times")]
    OperationEnded {
        /// Last terminal status.
        status: String,
        /// Shopify's `errorCode`.
        code: String,
        /// Restarts tried.
        restarts: u32,
    },
    /// The operation did not finish within the wait budget; the next attempt resumes it.
    #[error("bulk operation {0} still running after the wait budget")]
    StillRunning(String),
    /// Shopify no longer knows the operation id the run recorded.
    #[error("bulk operation {0} is unknown to Shopify")]
    UnknownOperation(String),
    /// The shop is gone or not installed.
    #[error("shop {0} is not installed")]
    NotInstalled(i64),
}

impl FullSyncError {
    /// Retrying the job later may help.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Admin(err) | Self::Bulk(BulkError::Admin(err)) => err.is_transient(),
            Self::Bulk(BulkError::InProgress(_))
            | Self::Db(_)
            | Self::OperationEnded { .. }
            | Self::StillRunning(_)
            | Self::UnknownOperation(_) => true,
            Self::Ingest(err) => !matches!(err, SyncError::Payload(_) | SyncError::Line(_)),
            Self::Token(ShopTokenError::Shopify(err)) => err.is_transient(),
            Self::Token(ShopTokenError::Db(_)) => true,
            Self::Bulk(BulkError::Refused(_))
            | Self::Token(_)
            | Self::Unauthorized(_)
            | Self::NotInstalled(_) => false,
        }
    }
}

/// Timing of a sync; the defaults suit production.
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    /// First wait between status polls; doubles up to `max_poll_interval`.
    pub poll_interval: Duration,
    /// Longest wait between status polls.
    pub max_poll_interval: Duration,
    /// How long one job attempt waits for an operation before handing over to a retry.
    pub max_wait: Duration,
    /// Restarts of an operation that ended FAILED/EXPIRED/CANCELED, per attempt.
    pub restarts: u32,
    /// Lines per committed ingest batch.
    pub batch_lines: u64,
    /// Retries of each Admin API call.
    pub retry: RetryPolicy,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(250),
            max_poll_interval: Duration::from_secs(10),
            max_wait: Duration::from_secs(3 * 3600),
            restarts: 2,
            batch_lines: super::bulk::DEFAULT_BATCH_LINES,
            retry: RetryPolicy::default(),
        }
    }
}

/// Whether a run only refreshes rows or also removes what Shopify no longer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Upsert everything.
    Full,
    /// Upsert everything, then soft-delete products missing from the snapshot.
    Reconcile,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Reconcile => "reconcile",
        }
    }
}

/// One bulk query of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Products with variants.
    Products,
    /// Collections with their products.
    Collections,
    /// Recent orders with line items.
    Orders,
}

impl Phase {
    /// The phases in order.
    pub const ALL: [Self; 3] = [Self::Products, Self::Collections, Self::Orders];

    /// `sync_runs.kind` of this phase in `mode`.
    #[must_use]
    pub fn kind(self, mode: Mode) -> String {
        let phase = match self {
            Self::Products => "products",
            Self::Collections => "collections",
            Self::Orders => "orders",
        };
        format!("{}:{phase}", mode.name())
    }

    fn query(self, now: DateTime<Utc>) -> String {
        match self {
            Self::Products => queries::PRODUCTS.to_owned(),
            Self::Collections => queries::COLLECTIONS.to_owned(),
            Self::Orders => queries::orders(now),
        }
    }

    /// Orders need each order's line items right after it (to number them stably).
    fn group_objects(self) -> bool {
        self == Self::Orders
    }
}

/// What a sync did, per phase.
#[derive(Debug, Default)]
pub struct SyncReport {
    /// Phases ingested in this call (a phase already done for this request is skipped).
    pub phases: Vec<(Phase, PhaseOutcome)>,
    /// Products soft-deleted by reconciliation.
    pub soft_deleted: u64,
}

/// Everything a phase needs.
pub(super) struct SyncTarget<'a> {
    pub db: &'a DatabaseConnection,
    pub app: &'a ShopifyApp,
    pub client: &'a AdminClient,
    pub shop: shop::Model,
    pub domain: ShopDomain,
    pub options: SyncOptions,
    pub requested_at: DateTime<Utc>,
}

/// Builds the Admin API client from the app's settings (API version, timeout, shop URLs).
///
/// # Errors
/// [`AdminError::Transport`] when the HTTP client cannot be built.
pub fn admin_client(app: &ShopifyApp, retry: RetryPolicy) -> Result<AdminClient, AdminError> {
    AdminClient::new(
        app.urls.clone(),
        &app.settings.api_version,
        Duration::from_secs(app.settings.http_timeout_secs),
        retry,
    )
}

/// Runs (or resumes) the sync of `shop_id` requested at `requested_at`.
///
/// # Errors
/// [`FullSyncError`]; see [`FullSyncError::is_transient`] for what a retry can fix.
pub async fn sync_shop(
    db: &DatabaseConnection,
    app: &ShopifyApp,
    client: &AdminClient,
    shop_id: i64,
    mode: Mode,
    requested_at: DateTime<Utc>,
    options: SyncOptions,
) -> Result<SyncReport, FullSyncError> {
    let shop = shop::Entity::find_by_id(shop_id)
        .one(db)
        .await?
        .filter(|shop| shop.uninstalled_at.is_none())
        .ok_or(FullSyncError::NotInstalled(shop_id))?;
    let domain =
        ShopDomain::parse(&shop.domain).map_err(|_| FullSyncError::NotInstalled(shop_id))?;
    let target = SyncTarget {
        db,
        app,
        client,
        shop,
        domain,
        options,
        requested_at,
    };
    let mut report = SyncReport::default();
    for phase in Phase::ALL {
        let query = phase.query(requested_at);
        let Some(outcome) =
            operation::run_phase(&target, &phase.kind(mode), &query, phase.group_objects()).await?
        else {
            continue;
        };
        if mode == Mode::Reconcile && phase == Phase::Products {
            report.soft_deleted =
                super::reconcile::soft_delete_missing(db, &target, &outcome).await?;
        }
        operation::finish_run(db, outcome.run_id).await?;
        report.phases.push((phase, outcome));
    }
    Ok(report)
}
