//! Builds the application from settings and runs it until a shutdown signal.

use std::net::TcpListener;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{NormalizePath, from_fn};
use actix_web::{App, HttpRequest, HttpServer, web};
use common::{Backend, Database, DatabaseError, Settings};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_actix_web::TracingLogger;

use crate::telemetry::RedactingRootSpan;
use worker::{JobQueue, WorkerError, WorkerPool};

use crate::error::{ApiError, ErrorKind};
use crate::middleware::{json_errors, record_metrics, request_id_header};
use crate::rate_limit::ClientLimiter;
use crate::routes;
use crate::serving::cache::ModelCache;
use crate::serving::impressions::{self, ImpressionWriter, WriterConfig};
use crate::serving::sessions::SessionWindow;
use crate::serving::shops::ShopDirectory;
use crate::state::AppState;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Opening or migrating the database failed.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The listening socket could not be opened.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// `host:port`.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The job queue or workers could not start.
    #[error(transparent)]
    Worker(#[from] WorkerError),
    /// The demo shop could not be queued.
    #[error(transparent)]
    Demo(#[from] worker::enqueue::DemoQueueError),
    /// A setting is unusable (e.g. the token encryption key).
    #[error(transparent)]
    Config(#[from] common::SettingsError),
    /// The metrics recorder could not be installed.
    #[error("cannot install the metrics recorder: {0}")]
    Metrics(String),
    /// The sessions in progress could not be read.
    #[error("cannot read the sessions in progress: {0}")]
    Sessions(sea_orm::DbErr),
    /// The process could not register for its rec ids.
    #[error("cannot register the process for its rec ids: {0}")]
    RecIds(sea_orm::DbErr),
}

/// How `serve` runs.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Run background workers in this process too (the embedded default).
    pub with_worker: bool,
}

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    workers: Option<WorkerPool>,
    impressions: ImpressionWriter,
    db: Database,
    shutdown_timeout: Duration,
    demo_admin_key: Option<Arc<str>>,
}

impl Application {
    /// Connects and migrates the database, starts workers (if asked), queues the demo shop
    /// load (if enabled), and binds the HTTP listener.
    ///
    /// # Errors
    /// [`StartupError`] for the first step that fails; nothing is left half-started.
    pub async fn build(settings: Settings, options: ServeOptions) -> Result<Self, StartupError> {
        let db = Database::connect(&settings.database).await?;
        db.migrate().await?;
        // Before any answer is served, or any email logged by the in-process worker.
        let node = services::signals::impression::register(&db.conn, chrono::Utc::now())
            .await
            .map_err(StartupError::RecIds)?;
        tracing::debug!(node, "rec ids registered");
        let jobs = JobQueue::new(&db).await?;
        let shopify = services::shop_auth::ShopifyApp::from_settings(&settings.shopify)?;
        let workers = if options.with_worker {
            Some(WorkerPool::configured(
                &jobs,
                &db,
                &settings,
                shopify.clone(),
            ))
        } else {
            None
        };
        if settings.demo_enabled() {
            worker::enqueue::demo_shop_if_missing(&db, &jobs, &settings.demo).await?;
        }
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { address, source })?
            .port();
        let shutdown_timeout = Duration::from_secs(settings.server.shutdown_timeout_secs);
        let public_url = public_url(&settings, port);
        let demo_admin_key: Option<Arc<str>> = settings
            .demo_enabled()
            .then(|| crate::routes::admin_shop::new_demo_key().into());
        let (impression_log, impressions) =
            impressions::start(db.conn.clone(), WriterConfig::default());
        let sessions = session_window(&db).await?;
        let mut models = ModelCache::new(impression_log)
            .with_recheck(Duration::from_secs(settings.server.model_recheck_secs));
        if let Some(window) = &sessions {
            models = models.with_sessions(Arc::clone(window));
        }
        let state = AppState {
            db: db.clone(),
            jobs,
            event_limiter: Arc::new(ClientLimiter::new(
                settings.events.rate_per_second,
                settings.events.burst,
            )),
            models: Arc::new(models),
            sessions,
            shops: Arc::new(ShopDirectory::default()),
            settings: Arc::new(settings),
            metrics: metrics_handle()?,
            shopify,
            public_url: public_url.into(),
            migrations_applied: Arc::default(),
            demo_admin_key: demo_admin_key.clone(),
        };
        log_urls(&state.settings, port, demo_admin_key.as_deref());
        let server = http_server(listener, state, shutdown_timeout)?;
        Ok(Self {
            port,
            server,
            workers,
            impressions,
            db,
            shutdown_timeout,
            demo_admin_key,
        })
    }

    /// The demo admin's key (in demo mode only), as the log prints it.
    #[must_use]
    pub fn demo_admin_key(&self) -> Option<&str> {
        self.demo_admin_key.as_deref()
    }

    /// The port actually bound (useful with port 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the HTTP server from elsewhere (tests, signal handlers).
    #[must_use]
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (or [`Application::handle`]`.stop`), then stops accepting,
    /// finishes in-flight requests, stores their queued impressions, finishes jobs within the
    /// shutdown timeout, and closes the pool.
    ///
    /// # Errors
    /// The HTTP server's I/O error, if it failed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let signals = tokio::spawn(async move {
            common::shutdown::signal().await;
            tracing::info!("shutdown signal received: draining requests and jobs");
            handle.stop(true).await;
        });
        let served = self.server.await;
        signals.abort();
        self.impressions.shutdown().await;
        if let Some(workers) = self.workers {
            workers.shutdown(self.shutdown_timeout).await;
        }
        self.db.close().await;
        tracing::info!("stopped");
        served
    }
}

fn http_server(
    listener: TcpListener,
    state: AppState,
    shutdown_timeout: Duration,
) -> Result<Server, StartupError> {
    let body_limit = state.settings.server.body_limit_bytes;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(
                web::JsonConfig::default()
                    .limit(body_limit)
                    .error_handler(bad_request),
            )
            .app_data(web::QueryConfig::default().error_handler(bad_request))
            .app_data(web::FormConfig::default().error_handler(bad_request))
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
            .wrap(json_errors())
            .wrap(from_fn(record_metrics))
            .wrap(NormalizePath::trim())
            .wrap(from_fn(request_id_header))
            .wrap(TracingLogger::<RedactingRootSpan>::new())
    })
    .disable_signals()
    .shutdown_timeout(shutdown_timeout.as_secs())
    .listen(listener)
    .map_err(|source| StartupError::Bind {
        address: "listener".into(),
        source,
    })?
    .run();
    Ok(server)
}

/// One Prometheus recorder per process (tests build many apps in one process); the first
/// call installs it, racing callers wait for that one.
fn metrics_handle() -> Result<PrometheusHandle, StartupError> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .install_recorder()
                .map_err(|err| err.to_string())
        })
        .clone()
        .map_err(StartupError::Metrics)
}

/// The sessions' recent events in memory on the embedded SQLite database, which this one
/// process writes (warmed with the sessions in progress); `None` on PostgreSQL, which
/// several app processes share.
async fn session_window(db: &Database) -> Result<Option<Arc<SessionWindow>>, StartupError> {
    if db.backend() != Backend::Sqlite {
        return Ok(None);
    }
    let window = SessionWindow::warmed(&db.conn, chrono::Utc::now())
        .await
        .map_err(StartupError::Sessions)?;
    Ok(Some(Arc::new(window)))
}

/// `server.public_url`, or `http://host:port` of the bound socket.
fn public_url(settings: &Settings, port: u16) -> String {
    settings
        .server
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}:{port}", settings.server.host))
        .trim_end_matches('/')
        .to_owned()
}

fn log_urls(settings: &Settings, port: u16, demo_admin_key: Option<&str>) {
    let base = public_url(settings, port);
    tracing::info!(%base, "Meander is listening");
    tracing::info!(
        "  health:    {base}/healthz  ·  readiness: {base}/readyz  ·  metrics: {base}/metrics"
    );
    if settings.demo_enabled() {
        tracing::info!("  demo shop: {base}/demo  (storefront preview of the generated shop)");
    }
    // The key opens only the demo shop, only from this machine, only in demo mode: printing
    // it is how the developer gets it.
    if let Some(key) = demo_admin_key {
        tracing::info!(
            "  demo admin: {base}/demo/admin?key={key}  (settings, preview, onboarding)"
        );
    }
}

/// A body, query or form that does not parse: a 400 with the JSON error body, whichever
/// extractor refused it.
fn bad_request(err: impl std::fmt::Display, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(ErrorKind::BadRequest, err.to_string()).into()
}
