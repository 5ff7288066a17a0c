//! The `app` command line: `serve` (default), `migrate`, `demo`, `rotate-token-key`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use common::{Database, Settings};

use crate::startup::{Application, ServeOptions};

/// Meander: diversified product recommendations for Shopify stores.
#[derive(Debug, Parser)]
#[command(name = "app", version, about)]
pub struct Cli {
    /// TOML settings file (values there are overridden by MEANDER_* variables).
    #[arg(long, short, env = "MEANDER_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP (and run background workers unless --no-worker).
    Serve {
        /// Do not run background workers in this process (run `worker` processes instead).
        #[arg(long)]
        no_worker: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Generate and load the demo shop now (replacing an existing demo shop), then exit.
    Demo,
    /// Seal every stored secret again with `shopify.token_encryption_key`, opening what the
    /// keys in `shopify.retired_token_encryption_keys` sealed, then exit (docs/OPERATIONS.md).
    RotateTokenKey,
}

/// Runs the command and maps failures to one log line and an exit code.
#[must_use]
pub fn run(cli: Cli) -> ExitCode {
    let command = cli.command.unwrap_or(Command::Serve { no_worker: false });
    common::process::run(cli.config.as_deref(), |settings| execute(command, settings))
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<()> {
    use anyhow::Context as _;
    match command {
        Command::Serve { no_worker } => {
            let app = Application::build(
                settings,
                ServeOptions {
                    with_worker: !no_worker,
                },
            )
            .await?;
            app.run_until_stopped().await.context("HTTP server failed")
        }
        Command::Migrate => {
            let db = Database::connect(&settings.database).await?;
            db.migrate().await?;
            worker::queue::setup(&db).await?;
            tracing::info!("migrations applied");
            db.close().await;
            Ok(())
        }
        Command::Demo => {
            let db = Database::connect(&settings.database).await?;
            db.migrate().await?;
            let summary = services::demo::load(&db, &settings.demo).await?;
            tracing::info!(%summary, "demo shop loaded");
            db.close().await;
            Ok(())
        }
        Command::RotateTokenKey => {
            let app = services::shop_auth::ShopifyApp::from_settings(&settings.shopify)?.context(
                "rotating needs shopify.api_secret and shopify.token_encryption_key set",
            )?;
            let db = Database::connect(&settings.database).await?;
            db.migrate().await?;
            let rotation = services::token_rotation::rotate(&db.conn, &app.cipher).await;
            db.close().await;
            let rotation = rotation?;
            anyhow::ensure!(
                rotation.unreadable == 0,
                "{rotation}: keep the retired keys until every stored secret opens"
            );
            tracing::info!(%rotation, "stored secrets sealed with the current key");
            Ok(())
        }
    }
}
