//! What gets queued after something happened in the domain: the services report what
//! happened (a token stored, a shop installed, the demo shop missing) and this module turns
//! it into jobs, so the domain never needs the queue.

use common::Database;
use common::settings::DemoSettings;
use common::telemetry::Chain;
use services::shop_auth::ShopifyApp;
use services::shop_tokens::StoredToken;

use crate::jobs::{ConnectWebPixel, LoadDemoShop, RefreshShopToken, SyncCatalog};
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
