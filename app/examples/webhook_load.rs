//! Constant-rate signed webhooks on `POST /webhooks` (the driver in `load/mod.rs`: no
//! coordinated omission): `products/update` deliveries for the shop's products, a share of
//! them redeliveries of an earlier webhook id, as Shopify retries.
//!
//! ```text
//! cargo run --release -p app --example webhook_load -- \
//!     --url http://127.0.0.1:8080 --secret SECRET --shop shop.myshopify.com \
//!     --products products.txt --rate 1000 --seconds 30 --warmup 5 --duplicates 0.2
//! ```
//!
//! The app must run with `MEANDER_SHOPIFY__API_SECRET=SECRET`; `products.txt` holds product
//! ids, one per line (see BENCHMARKS.md).

mod load;

use std::time::Duration;

use anyhow::Context as _;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

struct Args {
    url: String,
    schedule: load::Schedule,
    secret: String,
    shop: String,
    products: Vec<i64>,
    duplicates: f64,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        url: "http://127.0.0.1:8080".into(),
        schedule: load::Schedule {
            rate: 1_000,
            seconds: 30,
            warmup: 5,
        },
        secret: String::new(),
        shop: "meander-demo.myshopify.com".into(),
        products: Vec::new(),
        duplicates: 0.2,
    };
    let mut raw = std::env::args().skip(1);
    while let Some(flag) = raw.next() {
        let value = raw
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        if args.schedule.take_flag(&flag, &value)? {
            continue;
        }
        match flag.as_str() {
            "--url" => args.url = value,
            "--secret" => args.secret = value,
            "--shop" => args.shop = value,
            "--duplicates" => args.duplicates = value.parse().context("--duplicates")?,
            "--products" => {
                args.products = std::fs::read_to_string(&value)
                    .with_context(|| format!("reading {value}"))?
                    .lines()
                    .filter_map(|line| line.trim().parse().ok())
                    .collect();
            }
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    anyhow::ensure!(!args.secret.is_empty(), "--secret is required");
    anyhow::ensure!(!args.products.is_empty(), "--products is required");
    Ok(args)
}

/// A `products/update` body for `product`, as the Admin REST API shapes it.
fn product_update(product: i64) -> Vec<u8> {
    let now = chrono::Utc::now().to_rfc3339();
    json!({
        "id": product, "title": format!("Product {product}"), "handle": format!("product-{product}"),
        "vendor": "Load", "body_html": "<p>Under load</p>", "options": [{"name": "Title"}],
        "product_type": "Load", "status": "active", "tags": "",
        "created_at": "2026-01-01T00:00:00Z", "updated_at": now,
        "variants": [{"id": product * 10, "title": "Default", "price": "19.00", "sku": "LOAD",
                      "position": 1, "option1": "Default", "inventory_item_id": product * 10,
                      "inventory_quantity": 5, "updated_at": now}]
    })
    .to_string()
    .into_bytes()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let run = uuid_prefix();
    let request = |n: u64| {
        let id = if n > 0 && rng.random_bool(args.duplicates) {
            rng.random_range(0..n)
        } else {
            n
        };
        // A redelivery carries the same body as the first delivery of its id.
        let mut body_rng = ChaCha8Rng::seed_from_u64(id);
        let product = *args.products.choose(&mut body_rng).unwrap_or(&1);
        let body = product_update(product);
        let hmac = shopify::signature::sign_webhook(args.secret.as_bytes(), &body);
        client
            .post(format!("{}/webhooks", args.url))
            .header("Content-Type", "application/json")
            .header("X-Shopify-Topic", "products/update")
            .header("X-Shopify-Shop-Domain", &args.shop)
            .header("X-Shopify-Webhook-Id", format!("{run}-{id}"))
            .header("X-Shopify-Hmac-Sha256", hmac)
            .body(body)
    };
    load::run(args.schedule, request, |_, _| {}).await;
    Ok(())
}

/// Distinguishes this run's webhook ids from an earlier run's.
fn uuid_prefix() -> String {
    format!("load-{}", chrono::Utc::now().timestamp_millis())
}
