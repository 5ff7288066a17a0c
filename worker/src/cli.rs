//! The `worker` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::{Database, Settings};

use crate::{JobQueue, WorkerPool};

/// Meander background worker: processes queued jobs until SIGTERM/SIGINT.
#[derive(Debug, Parser)]
#[command(name = "worker", version, about)]
pub struct Cli {
    /// TOML settings file (values there are overridden by MEANDER_* variables).
    #[arg(long, short, env = "MEANDER_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Runs workers until a shutdown signal; maps failures to one line and an exit code.
#[must_use]
pub fn run(cli: &Cli) -> ExitCode {
    common::process::run(cli.config.as_deref(), |settings| async move {
        serve(&settings).await
    })
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let db = Database::connect(&settings.database).await?;
    let pending = db.pending_migrations().await?;
    anyhow::ensure!(
        pending == 0,
        "{pending} database migrations pending: run `app migrate` first"
    );
    // Email jobs log impressions: their keys must differ from the app processes'.
    services::signals::impression::register(&db.conn, chrono::Utc::now()).await?;
    let queue = JobQueue::new(&db).await?;
    let shopify = services::shop_auth::ShopifyApp::from_settings(&settings.shopify)?;
    let pool = WorkerPool::configured(&queue, &db, settings, shopify);
    common::shutdown::signal().await;
    tracing::info!("shutdown signal received: finishing running jobs");
    pool.shutdown(Duration::from_secs(settings.worker.shutdown_timeout_secs))
        .await;
    db.close().await;
    Ok(())
}
