//! How long a catalog change takes to leave every served list: stock-outs applied through
//! the webhook write path (`services::sync::webhooks::apply`, what the `process_webhook` job
//! calls), measured from the write until `GET /demo/recs` for the seed that showed the item
//! no longer shows it. Changes land at random moments of the recheck cycle, in rounds.
//!
//! ```text
//! cargo run --release -p app --example freshness -- [ROUNDS] [CHANGES_PER_ROUND] [DATABASE_URL]
//! ```
//!
//! Without a URL it uses a fresh SQLite file in a temporary folder. Prints p50, p95, p99 and
//! the maximum over all changes, in seconds; the job queue's pick-up (the worker's poll
//! interval, 0.5 s by default) comes on top.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use app::{Application, ServeOptions};
use chrono::Utc;
use common::Settings;
use common::settings::DemoSettings;
use entity::variant;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::SecretString;
use serde_json::{Value, json};
use services::sync::webhooks::{WebhookTarget, apply};
use services::topic::Topic;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map_or(Ok(5), |a| a.parse())?;
    let per_round: usize = args.next().map_or(Ok(10), |a| a.parse())?;
    let folder = tempfile::tempdir()?;
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.demo.enabled = Some(false);
    settings.database.data_dir = folder.path().to_path_buf();
    settings.database.url = args.next().map(SecretString::from);
    let recheck = Duration::from_secs(settings.server.model_recheck_secs);

    let app = Application::build(settings.clone(), ServeOptions { with_worker: false }).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let db = common::Database::connect(&settings.database).await?;
    let demo = DemoSettings {
        products: 3_200,
        ..DemoSettings::default()
    };
    let shop_id = services::demo::load(&db, &demo).await?.shop_id;
    services::recs::train(&db, shop_id).await?;
    let run =
        services::runs::JobRun::start(&db.conn, shop_id, "precompute_lists", "bench", None).await?;
    services::recs::lists::precompute_all(&db, shop_id, &run).await?;
    let seeds: Vec<i64> = entity::product::Entity::find()
        .filter(entity::product::Column::ShopId.eq(shop_id))
        .filter(entity::product::Column::Status.eq("active"))
        .all(&db.conn)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    let client = reqwest::Client::new();
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut took = Vec::new();
    for round in 0..rounds {
        let mut changes = Vec::new();
        while changes.len() < per_round {
            let seed = seeds[rng.random_range(0..seeds.len())];
            let served = served(&client, &base, seed).await?;
            if let Some(item) = served
                .into_iter()
                .find(|i| !changes.iter().any(|(_, c)| c == i))
            {
                changes.push((seed, item));
            }
        }
        // Land somewhere in the recheck cycle.
        tokio::time::sleep(recheck.mul_f64(rng.random_range(0.0..1.0))).await;
        for (_, item) in &changes {
            sell_out(&db, shop_id, *item).await?;
        }
        let written = Instant::now();
        let mut pending = changes;
        while !pending.is_empty() && written.elapsed() < recheck * 4 {
            let mut still = Vec::new();
            for (seed, item) in pending {
                if served(&client, &base, seed).await?.contains(&item) {
                    still.push((seed, item));
                } else {
                    took.push(written.elapsed().as_secs_f64());
                }
            }
            pending = still;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::ensure!(
            pending.is_empty(),
            "round {round}: {} changes never showed",
            pending.len()
        );
        eprintln!("round {} of {rounds} done", round + 1);
    }
    took.sort_by(f64::total_cmp);
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    println!(
        "{} stock-outs, recheck {} s: p50 {:.1} s, p95 {:.1} s, p99 {:.1} s, max {:.1} s",
        took.len(),
        recheck.as_secs(),
        at(0.5),
        at(0.95),
        at(0.99),
        took[took.len() - 1]
    );
    Ok(())
}

/// The product ids `GET /demo/recs` shows on `seed`'s product page.
async fn served(client: &reqwest::Client, base: &str, seed: i64) -> anyhow::Result<Vec<i64>> {
    let body: Value = client
        .get(format!(
            "{base}/demo/recs?surface=pdp&product_id={seed}&limit=8"
        ))
        .send()
        .await?
        .json()
        .await?;
    Ok(body["modules"]
        .as_array()
        .context("modules")?
        .iter()
        .flat_map(|m| m["items"].as_array().cloned().unwrap_or_default())
        .filter_map(|i| i["product_id"].as_str().and_then(|id| id.parse().ok()))
        .collect())
}

/// Every variant of `product` out of stock, through the `inventory_levels/update` handler.
async fn sell_out(db: &common::Database, shop_id: i64, product: i64) -> anyhow::Result<()> {
    let target = WebhookTarget {
        shop_id,
        currency_exponent: 2,
        triggered_at: Utc::now(),
    };
    let variants = variant::Entity::find()
        .filter(variant::Column::ShopId.eq(shop_id))
        .filter(variant::Column::ProductId.eq(product))
        .all(&db.conn)
        .await?;
    for v in variants {
        let level = json!({"inventory_item_id": v.id, "location_id": 1, "available": 0,
                           "updated_at": Utc::now().to_rfc3339()});
        apply(&db.conn, target, Topic::InventoryLevelsUpdate, &level).await?;
    }
    Ok(())
}
