//! Times the recommendation pipeline on a large generated shop: training (candidate pools)
//! and the precompute of every list (per product, per shopper profile, shop-wide).
//!
//! `cargo run --release -p services --example precompute -- [DATABASE_URL] [PRODUCTS] [SHOPPERS] [SESSIONS] [PART_PRODUCTS] [PARALLEL_PARTS]`
//!
//! Defaults: a SQLite file in the temp directory, 100,000 products, 40,000 shoppers, 300,000
//! sessions, one part. The shop is generated and loaded once (not timed); a rerun against
//! the same database reuses it, so only training and the precompute are measured again.
//! With `PART_PRODUCTS`, the precompute is planned in parts as the worker plans it and
//! `PARALLEL_PARTS` of them run at a time (as that many worker slots would).

use std::time::Instant;

use anyhow::Context as _;
use common::Database;
use common::settings::DatabaseSettings;
use secrecy::SecretString;
use services::recs::{self, lists, store};
use services::runs::JobRun;

/// What to generate, and how to split the precompute.
struct Args {
    url: String,
    config: demo::DemoConfig,
    part_products: u64,
    parallel_parts: usize,
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
    let part_products = number("PART_PRODUCTS", usize::MAX)?;
    let parallel_parts = number("PARALLEL_PARTS", 1)?.max(1);
    Ok(Args {
        url,
        config,
        part_products: u64::try_from(part_products).unwrap_or(u64::MAX),
        parallel_parts,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Args {
        url,
        config,
        part_products,
        parallel_parts,
    } = args()?;
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

    let started = Instant::now();
    let (plan, summary) = precompute_in_parts(&db, shop.id, part_products, parallel_parts).await?;
    let precompute = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let removed = lists::retire_replaced(&db.conn, shop.id, &plan).await?;
    println!(
        "after publishing: removed {removed} replaced lists in {:.1} s (the new version serves meanwhile)",
        started.elapsed().as_secs_f64()
    );
    let t = summary.totals.timings;
    println!(
        "precompute {precompute:.1} s wall: summed over parts load {:.1} s, compute {:.1} s, \
         write {:.1} s, publish {:.1} s; {} lists for {} products and {} profiles",
        secs(t.load_ms),
        secs(t.compute_ms),
        secs(t.write_ms),
        secs(t.publish_ms),
        summary.totals.lists,
        summary.totals.products,
        summary.totals.profiles,
    );
    println!("train + precompute: {:.1} s", train + precompute);
    Ok(())
}

/// Plans the shop's precompute in parts of `part_products` and runs `parallel` parts at a
/// time, printing each part's time; returns the plan and the published summary.
async fn precompute_in_parts(
    db: &Database,
    shop_id: i64,
    part_products: u64,
    parallel: usize,
) -> anyhow::Result<(lists::Plan, lists::PrecomputeSummary)> {
    let plan = lists::plan(&db.conn, shop_id, part_products)
        .await?
        .context("no pools were stored")?;
    println!("{} parts, {parallel} at a time", plan.parts);
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(parallel));
    let mut parts = tokio::task::JoinSet::new();
    for part in 0..plan.parts {
        let (db, plan, semaphore) = (db.clone(), plan.clone(), semaphore.clone());
        parts.spawn(async move {
            let _slot = semaphore.acquire_owned().await?;
            let started = Instant::now();
            let run =
                JobRun::start(&db.conn, shop_id, "precompute_list_part", "bench", None).await?;
            let published = lists::precompute_part(&db, shop_id, &plan, part, &run).await?;
            run.succeed(&db.conn, "benchmark").await?;
            println!("  part {part}: {:.1} s", started.elapsed().as_secs_f64());
            anyhow::Ok(published)
        });
    }
    let mut summary = None;
    while let Some(part) = parts.join_next().await {
        summary = summary.or(part??);
    }
    Ok((plan, summary.context("no part published the version")?))
}

fn secs(millis: u64) -> f64 {
    std::time::Duration::from_millis(millis).as_secs_f64()
}
