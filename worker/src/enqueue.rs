//! What gets queued after something happened in the domain: the services report what
//! happened (a token stored, a shop installed, the demo shop missing) and this module turns
//! it into jobs, so the domain never needs the queue.

use chrono::{DateTime, Utc};
use common::Database;
use common::settings::DemoSettings;
use common::telemetry::Chain;
use services::shop_auth::ShopifyApp;
use services::shop_tokens::StoredToken;

use crate::jobs::{ConnectWebPixel, LoadDemoShop, PrecomputeLists, RefreshShopToken, SyncCatalog};
use crate::queue::{JobQueue, QueueError};

/// Queues what a newly stored token calls for: its refresh before it expires, and on an
/// install the first catalog sync and the web pixel connection. Failures are logged, not
/// returned: an install must not fail on them (the daily reconciliation syncs anyway, and
/// the next use of an expired token refreshes it).
pub async fn after_token_stored(queue: &JobQueue, app: &ShopifyApp, stored: &StoredToken) {
    let shop_id = stored.shop.id;
    if let Some(expires_at) = stored.shop.access_token_expires_at {
        RefreshShopToken::schedule(queue, app, shop_id, expires_at).await;
    }
    if !stored.installed {
        return;
    }
    // A new install knows nothing of the catalog yet: start the full sync now.
    if let Err(err) = queue.push(SyncCatalog::now(shop_id)).await {
        tracing::warn!(shop = shop_id, err = %Chain(&err), "could not queue the first catalog sync");
    }
    // The web pixel sends nothing until it is created on the shop with the shop's key.
    if let Err(err) = queue.push(ConnectWebPixel::now(shop_id)).await {
        tracing::warn!(shop = shop_id, err = %Chain(&err), "could not queue the web pixel connection");
    }
}

/// Seconds over which settings and rule saves share one precompute: short, so the lists
/// follow a save well within the storefront's 60 s promise; not zero, so a merchant saving
/// several times in a row costs one run.
pub const TUNING_BATCH_SECS: i64 = 10;

/// The precompute that carries a settings or rule change saved at `now` into the
/// precomputed lists (email's, pushed to Klaviyo and served per profile; serving applies a
/// change to the other surfaces itself), and when it runs: at the end of the
/// [`TUNING_BATCH_SECS`] window, so after every save of the window committed. Its dedupe key
/// is the window, so saves within it queue it once.
#[must_use]
pub fn precompute_after_tuning_change(
    shop_id: i64,
    now: DateTime<Utc>,
) -> (PrecomputeLists, DateTime<Utc>) {
    let end = (now.timestamp().div_euclid(TUNING_BATCH_SECS) + 1) * TUNING_BATCH_SECS;
    let run_at = DateTime::from_timestamp(end, 0).unwrap_or(now);
    let job = PrecomputeLists {
        shop_id,
        window: Some(format!("tuning:{}", run_at.format("%Y-%m-%dT%H:%M:%S"))),
    };
    (job, run_at)
}

/// Queues [`precompute_after_tuning_change`] for a change saved now. A failure is logged,
/// not returned: the change is saved and served, and the hourly precompute carries it.
pub async fn lists_after_tuning_change(queue: &JobQueue, shop_id: i64) {
    let (job, run_at) = precompute_after_tuning_change(shop_id, Utc::now());
    if let Err(err) = queue.push_at(job, run_at).await {
        tracing::warn!(shop = shop_id, err = %Chain(&err), "could not queue the precompute after a settings change");
    }
}

/// Why the demo shop's load could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum DemoQueueError {
    /// Reading the demo shop failed.
    #[error("cannot read the demo shop")]
    Database(#[from] sea_orm::DbErr),
    /// Queueing failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Queues a [`LoadDemoShop`] job unless the demo shop is already in the database.
///
/// # Errors
/// [`DemoQueueError`] when the database cannot be read or the job cannot be queued.
pub async fn demo_shop_if_missing(
    db: &Database,
    queue: &JobQueue,
    settings: &DemoSettings,
) -> Result<(), DemoQueueError> {
    if services::demo::ready_demo_shop(&db.conn).await?.is_some() {
        tracing::info!("demo shop already loaded");
        return Ok(());
    }
    queue.push(LoadDemoShop::from(settings)).await?;
    tracing::info!(seed = settings.seed, "demo shop load queued");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_in_one_window_share_a_precompute_that_runs_after_them() {
        let at = |secs| DateTime::from_timestamp(secs, 0).unwrap();

        let (first, run_at) = precompute_after_tuning_change(7, at(1_000_001));
        let (second, same) = precompute_after_tuning_change(7, at(1_000_009));
        let (third, later) = precompute_after_tuning_change(7, at(1_000_010));

        assert_eq!(run_at, at(1_000_010));
        assert_eq!((first.window.clone(), run_at), (second.window, same));
        assert_eq!(later, at(1_000_020));
        assert_ne!(first.window, third.window);
        assert_eq!(first.shop_id, 7);
    }
}
