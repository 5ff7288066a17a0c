//! Times the recommendation pipeline on a large generated shop: training (candidate pools)
//! and the precompute of every list (per product, per shopper profile, shop-wide).
//!
//! `cargo run --release -p services --example precompute -- [DATABASE_URL] [PRODUCTS] [SHOPPERS] [SESSIONS]`
//!
//! Defaults: a SQLite file in the temp directory, 100,000 products, 40,000 shoppers, 300,000
//! sessions. The shop is generated and loaded once (not timed); a rerun against the same
//! database reuses it, so only training and the precompute are measured again.

use std::time::Instant;

use anyhow::Context as _;
use common::Database;
use common::settings::DatabaseSettings;
use secrecy::SecretString;
use services::recs::{self, lists, store};
use services::runs::JobRun;

/// What to generate.
struct Args {
    url: String,
    config: demo::DemoConfig,
}

fn args() -> anyhow::Result<Args> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| {
        let path = std::env::temp_dir().join("meander-precompute-bench.db");
        format!("sqlite://{}?mode=rwc", path.display())
    });
    let mut number = |name: &str, default: usize| -> anyhow::Result<usize> {
        args.next()
            .map_or(Ok(default), |n| n.parse())
            .with_context(|| format!("{name} must be a number"))
    };
    let config = demo::DemoConfig {
        products: number("PRODUCTS", 100_000)?,
        shoppers: number("SHOPPERS", 40_000)?,
        sessions: number("SESSIONS", 300_000)?,
        ..services::demo::anchored_now()
    };
    Ok(Args { url, config })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Args { url, config } = args()?;
    let settings = DatabaseSettings {
        url: Some(SecretString::from(url)),
        ..DatabaseSettings::default()
    };
    let db = Database::connect(&settings).await?;
    db.migrate().await?;

    let started = Instant::now();
    if let Some(loaded) = services::demo::load_if_missing(&db, &config).await? {
        println!(
            "setup (not part of the target): generated and loaded {loaded} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let shop = services::demo::ready_demo_shop(&db.conn)
        .await?
        .context("the demo shop did not load")?;

    let started = Instant::now();
    let model_version = recs::train(&db, shop.id).await?;
    let train = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (pools, _) = store::all_pools(&db.conn, shop.id, &model_version).await?;
    println!(
        "{:?}: train {train:.1} s ({} pools; reading them back alone takes {:.1} s)",
        db.backend(),
        pools.len(),
        started.elapsed().as_secs_f64()
    );
    drop(pools);

    let run = JobRun::start(&db.conn, shop.id, "precompute_lists", "bench", None).await?;
    let started = Instant::now();
    let summary = lists::precompute_all(&db, shop.id, &run)
        .await?
        .context("no pools were stored")?;
    let precompute = started.elapsed().as_secs_f64();
    let t = summary.timings;
    println!(
        "precompute {precompute:.1} s: load {:.1} s, compute {:.1} s, write {:.1} s, publish {:.1} s; \
         {} lists for {} products and {} profiles",
        secs(t.load_ms),
        secs(t.compute_ms),
        secs(t.write_ms),
        secs(t.publish_ms),
        summary.lists,
        summary.products,
        summary.profiles,
    );
    println!("train + precompute: {:.1} s", train + precompute);
    run.succeed(&db.conn, "benchmark").await?;
    Ok(())
}

fn secs(millis: u64) -> f64 {
    std::time::Duration::from_millis(millis).as_secs_f64()
}
