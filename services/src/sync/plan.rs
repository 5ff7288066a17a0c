//! What a full sync is made of, shared by its steps: the options, the two modes, the three
//! phases, what a phase needs and leaves behind, and why a sync stops. [`super::full`] runs
//! the phases, [`super::operation`] drives one bulk operation, [`super::reconcile`] removes
//! what a snapshot no longer has; all three read these types, none of them from each other.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{ShopDomain, shop};
use sea_orm::{DatabaseConnection, DbErr};
use shopify::client::Unauthorized;
use shopify::{AdminClient, AdminError, BulkError, RetryPolicy};

use super::observed::Observed;
use super::{IngestReport, SyncError, queries};
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
    /// The stored shop domain does not parse (a corrupt row).
    #[error("shop {shop_id} has an invalid stored domain")]
    InvalidDomain {
        /// The shop.
        shop_id: i64,
        /// Why the domain was refused.
        source: entity::domain::ShopDomainError,
    },
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
            | Self::NotInstalled(_)
            | Self::InvalidDomain { .. } => false,
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
    pub(super) fn name(self) -> &'static str {
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

    pub(super) fn query(self, now: DateTime<Utc>) -> String {
        match self {
            Self::Products => queries::PRODUCTS.to_owned(),
            Self::Collections => queries::COLLECTIONS.to_owned(),
            Self::Orders => queries::orders(now),
        }
    }

    /// Orders need each order's line items right after it (to number them stably).
    pub(super) fn group_objects(self) -> bool {
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

/// What an ingested phase left for the caller, before its run is marked succeeded.
#[derive(Debug)]
pub struct PhaseOutcome {
    /// The `sync_runs` row.
    pub run_id: i64,
    /// When the run started: rows changed later came from webhooks, not the snapshot.
    pub started_at: chrono::DateTime<Utc>,
    /// The ingest's counts (of this attempt).
    pub report: IngestReport,
    /// Ids seen across the whole file.
    pub observed: Observed,
}
