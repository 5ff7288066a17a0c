//! `sync_catalog`: full catalog and order sync of one shop by bulk operations.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use common::telemetry::Chain;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use services::catalog::adjacency::{self, AdjacencyConfig};
use services::sync::full::{self, FullSyncError, Mode, SyncOptions};

use crate::job::{Job, JobContext, JobError};

/// Syncs `shop_id`'s products, variants, costs, collections and recent orders.
///
/// Deduplicated per shop and hour of request: asking again within the hour is a no-op, and
/// Shopify itself runs one bulk query per shop at a time (a second start adopts the running
/// one or waits for it). A retry resumes the same `sync_runs` rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncCatalog {
    /// The shop.
    pub shop_id: i64,
    /// Unix seconds of the request, truncated to the hour.
    pub requested_at: i64,
}

impl SyncCatalog {
    /// A sync of `shop_id` requested now.
    #[must_use]
    pub fn now(shop_id: i64) -> Self {
        Self {
            shop_id,
            requested_at: truncate(Utc::now(), TimeDelta::hours(1)),
        }
    }
}

pub(super) fn truncate(at: DateTime<Utc>, unit: TimeDelta) -> i64 {
    at.duration_trunc(unit).unwrap_or(at).timestamp()
}

impl Job for SyncCatalog {
    const NAME: &'static str = "sync_catalog";
    const MAX_ATTEMPTS: usize = 8;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![
            self.shop_id.to_string(),
            self.requested_at.to_string(),
        ])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        run_sync(&ctx, self.shop_id, self.requested_at, Mode::Full).await
    }
}

/// Runs a sync in `mode` with the production timing, recording failures on the runs.
pub(super) async fn run_sync(
    ctx: &JobContext,
    shop_id: i64,
    requested_at: i64,
    mode: Mode,
) -> Result<(), JobError> {
    let app = ctx.shopify()?;
    let options = SyncOptions::default();
    let client = full::admin_client(app, options.retry).map_err(JobError::permanent_from)?;
    let requested = DateTime::from_timestamp(requested_at, 0).unwrap_or_else(Utc::now);
    let db = &ctx.db.conn;
    match full::sync_shop(db, app, &client, shop_id, mode, requested, options).await {
        Ok(report) => {
            tracing::info!(
                shop_id,
                phases = report.phases.len(),
                soft_deleted = report.soft_deleted,
                "sync done"
            );
            refresh_adjacency(ctx, shop_id).await
        }
        Err(err) => Err(failed(ctx, shop_id, mode, err).await),
    }
}

/// The co-purchase adjacency follows the orders a sync has just brought in. A failure is
/// retried with the job; the retry skips the phases already done.
async fn refresh_adjacency(ctx: &JobContext, shop_id: i64) -> Result<(), JobError> {
    let config = AdjacencyConfig::default();
    let report = adjacency::refresh(&ctx.db.conn, shop_id, Utc::now(), &config)
        .await
        .map_err(JobError::transient)?;
    tracing::info!(shop_id, ?report, "category adjacency refreshed");
    Ok(())
}

async fn failed(ctx: &JobContext, shop_id: i64, mode: Mode, err: FullSyncError) -> JobError {
    let permanent = !err.is_transient();
    let prefix = match mode {
        Mode::Full => "full",
        Mode::Reconcile => "reconcile",
    };
    // The whole chain: the Admin API's own errors keep their reason as the cause.
    let message = Chain(&err).to_string();
    let recorded =
        services::sync::record_failure(&ctx.db.conn, shop_id, prefix, &message, permanent).await;
    if let Err(db_err) = recorded {
        tracing::warn!(%db_err, "cannot record the sync failure");
    }
    if permanent {
        JobError::permanent_from(err)
    } else {
        JobError::transient(err)
    }
}

/// `bulk_operations/finish` arrived: the waiting sync sees the stored receipt on its next
/// tick and polls Shopify at once, so there is nothing to apply here: the outcome stays
/// `deferred` (handed to the sync).
pub(crate) fn on_bulk_finish(payload: &Value) -> &'static str {
    let id = payload.get("admin_graphql_api_id").and_then(Value::as_str);
    let status = payload.get("status").and_then(Value::as_str);
    tracing::info!(operation = ?id, ?status, "bulk operation finished");
    services::receipts::DEFERRED
}
