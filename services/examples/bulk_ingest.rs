//! Times the bulk JSONL catalog ingest: a generated catalog rendered as Shopify's bulk
//! format, streamed into a fresh database.
//!
//! `cargo run --release -p services --example bulk_ingest -- postgres://postgres@127.0.0.1:5432/bench 20000 [BATCH_LINES]`
//! (the database must exist and be empty; default URL is a temporary SQLite file; the batch
//! size defaults to the sync's own).

use std::time::Instant;

use anyhow::Context as _;
use common::Database;
use common::settings::DatabaseSettings;
use secrecy::SecretString;
use services::sync::{BulkTarget, ingest};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "sqlite:///tmp/meander-bulk-bench.db".into());
    let products: usize = args
        .next()
        .map_or(Ok(20_000), |n| n.parse())
        .context("product count")?;
    let batch_lines: u64 = args
        .next()
        .map_or(Ok(services::sync::bulk::DEFAULT_BATCH_LINES), |n| n.parse())
        .context("batch lines")?;
    let settings = DatabaseSettings {
        url: Some(SecretString::from(url)),
        ..DatabaseSettings::default()
    };
    let db = Database::connect(&settings).await?;
    db.migrate().await?;

    let config = demo::DemoConfig {
        products,
        shoppers: 0,
        sessions: 0,
        ..demo::DemoConfig::default()
    };
    let shop = demo::generate(&config);
    let mut jsonl = Vec::new();
    services::demo::jsonl::write(&shop, &mut jsonl)?;
    let variants: usize = shop.products.iter().map(|p| p.variants.len()).sum();
    let summary = services::demo::load_with(
        &db,
        &demo::DemoConfig {
            products: 1,
            shoppers: 0,
            sessions: 0,
            ..config
        },
    )
    .await?;
    let run = start_run(&db, summary.shop_id).await?;
    let target = BulkTarget {
        shop_id: summary.shop_id,
        sync_run_id: run,
        currency_exponent: 2,
        batch_lines,
    };

    let started = Instant::now();
    let report = ingest(&db.conn, target, jsonl.as_slice()).await?;
    let elapsed = started.elapsed();
    println!(
        "{:?}: {} lines ({} products, {variants} variants, {:.1} MB, batches of {batch_lines}) in {:.2} s = {:.0} lines/s; skipped {}",
        db.backend(),
        report.lines,
        shop.products.len(),
        jsonl.len() as f64 / 1e6,
        elapsed.as_secs_f64(),
        report.lines as f64 / elapsed.as_secs_f64(),
        report.skipped,
    );
    Ok(())
}

async fn start_run(db: &Database, shop_id: i64) -> anyhow::Result<i64> {
    use sea_orm::{ActiveModelTrait, Set};
    let run = entity::sync_run::ActiveModel {
        shop_id: Set(shop_id),
        kind: Set("full".into()),
        status: Set("running".into()),
        rows_done: Set(0),
        started_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&db.conn)
    .await?;
    Ok(run.id)
}
