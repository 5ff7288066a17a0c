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
use sea_orm::{DatabaseConnection, EntityTrait};
use shopify::{AdminClient, AdminError, RetryPolicy};

use super::operation;
use super::plan::SyncTarget;
pub use super::plan::{FullSyncError, Mode, Phase, SyncOptions, SyncReport};
use crate::shop_auth::ShopifyApp;

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
    let domain = ShopDomain::parse(&shop.domain)
        .map_err(|source| FullSyncError::InvalidDomain { shop_id, source })?;
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
        operation::finish_run(db, target.shop.id, outcome.run_id).await?;
        report.phases.push((phase, outcome));
    }
    Ok(report)
}
