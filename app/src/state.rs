//! Shared state handed to every handler.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::Utc;
use common::{Database, Settings};
use metrics_exporter_prometheus::PrometheusHandle;
use services::shop_auth::ShopifyApp;
use services::signals::{self, EventInput, IngestSummary, SignalError};
use worker::JobQueue;

use crate::rate_limit::ClientLimiter;
use crate::serving::cache::ModelCache;
use crate::serving::sessions::SessionWindow;
use crate::serving::shops::ShopDirectory;

/// What handlers need: the database, the job queue, settings and the metrics registry.
#[derive(Clone)]
pub struct AppState {
    /// The database (sea-orm connection and pool).
    pub db: Database,
    /// Enqueues typed background jobs.
    pub jobs: JobQueue,
    /// Validated settings.
    pub settings: Arc<Settings>,
    /// Rate limiter for `POST /events`, keyed by shop and client address.
    pub event_limiter: Arc<ClientLimiter>,
    /// Per-shop serving models (catalog, ranker, policies), reloaded on new versions.
    pub models: Arc<ModelCache>,
    /// The sessions' recent events, where this process stores every event (the embedded
    /// SQLite default); every stored batch is added to it.
    pub sessions: Option<Arc<SessionWindow>>,
    /// Installed shops by domain (and the demo shop), for the recommendation endpoints.
    pub shops: Arc<ShopDirectory>,
    /// Renders the Prometheus exposition.
    pub metrics: PrometheusHandle,
    /// The app's Shopify identity; `None` without credentials (embedded demo mode).
    pub shopify: Option<Arc<ShopifyApp>>,
    /// Public base URL (`server.public_url`, or the bound address), for Shopify redirects.
    pub public_url: Arc<str>,
    /// The demo admin's key (`/demo/admin?key=…`), random per process; `None` outside demo
    /// mode, where the demo admin does not open at all.
    pub demo_admin_key: Option<Arc<str>>,
    /// Set once readiness has seen every migration applied: they stay applied, so later
    /// probes skip the check (asking sea-orm creates its table if missing, a write per probe).
    pub migrations_applied: Arc<AtomicBool>,
}

impl AppState {
    /// Stores a batch of storefront events for `shop_id`, all or nothing
    /// ([`signals::ingest`]), and adds it to the sessions' window where this process keeps
    /// one: the one way events come in, so serving sees every event the database holds.
    ///
    /// # Errors
    /// As [`signals::ingest`].
    pub async fn store_events(
        &self,
        shop_id: i64,
        events: &[EventInput],
    ) -> Result<IngestSummary, SignalError> {
        let summary = signals::ingest(&self.db.conn, shop_id, events, Utc::now()).await?;
        if let Some(sessions) = &self.sessions {
            sessions.record(shop_id, events, Utc::now());
        }
        Ok(summary)
    }
}
