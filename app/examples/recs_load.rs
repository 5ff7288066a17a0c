//! Constant-rate load on `GET /demo/recs` (the driver in `load/mod.rs`: no coordinated
//! omission).
//!
//! ```text
//! cargo run --release -p app --example recs_load -- \
//!     --url http://127.0.0.1:8080 --rate 1000 --seconds 30 --warmup 5 \
//!     --products products.txt --anonymous anonymous.txt --ingest-key KEY
//! ```
//!
//! `products.txt` and `anonymous.txt` hold the demo shop's product ids and known anonymous
//! ids, one per line (see BENCHMARKS.md for the queries). Mix: 70 % product pages, 15 %
//! carts (both with a random product), 15 % home pages (half of them a known shopper). A
//! third of the requests carry one of 5,000 "active" sessions that get a fresh view event
//! every 30 s through `POST /events` (with `--ingest-key`), so the 90-second session re-rank
//! runs; the rest carry a new session id each.

mod load;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Active sessions whose views are refreshed during the run: at 1,000 requests per second a
/// third of them go to these, so each session asks for recommendations about every 15 s,
/// as a shopper moving between pages does (a few hundred sessions hammered several times a
/// second would each pile up thousands of impressions inside the 90-second window).
const ACTIVE_SESSIONS: usize = 5_000;
/// How often the active sessions get new views (inside the 90-second window).
const REFRESH: Duration = Duration::from_secs(30);

struct Args {
    url: String,
    schedule: load::Schedule,
    products: Vec<String>,
    anonymous: Vec<String>,
    ingest_key: Option<String>,
    shop: String,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        url: "http://127.0.0.1:8080".into(),
        schedule: load::Schedule {
            rate: 1_000,
            seconds: 30,
            warmup: 5,
        },
        products: Vec::new(),
        anonymous: Vec::new(),
        ingest_key: None,
        shop: "meander-demo.myshopify.com".into(),
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
            "--products" => args.products = lines(&value)?,
            "--anonymous" => args.anonymous = lines(&value)?,
            "--ingest-key" => args.ingest_key = Some(value),
            "--shop" => args.shop = value,
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    anyhow::ensure!(!args.products.is_empty(), "--products is required");
    Ok(args)
}

fn lines(path: &str) -> anyhow::Result<Vec<String>> {
    Ok(std::fs::read_to_string(path)
        .with_context(|| format!("reading {path}"))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// One request's path and query.
fn request_path(args: &Args, rng: &mut ChaCha8Rng, n: u64) -> String {
    let product = args.products.choose(rng).map_or("", String::as_str);
    let session = if rng.random_bool(1.0 / 3.0) {
        format!("active-{}", rng.random_range(0..ACTIVE_SESSIONS))
    } else {
        format!("load-{n}")
    };
    let anonymous = match args.anonymous.choose(rng) {
        Some(known) if rng.random_bool(0.5) => known.clone(),
        _ => format!("anon-{session}"),
    };
    let roll: f64 = rng.random();
    let (surface, product) = if roll < 0.70 {
        ("pdp", Some(product))
    } else if roll < 0.85 {
        ("cart", Some(product))
    } else {
        ("home", None)
    };
    let product = product.map_or(String::new(), |p| format!("&product_id={p}"));
    format!(
        "/demo/recs?surface={surface}{product}&session_id={session}&anonymous_id={anonymous}&limit=8"
    )
}

/// Posts a fresh view for every active session.
async fn refresh_sessions(
    client: &reqwest::Client,
    args: &Args,
    key: &str,
    round: u64,
) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(round);
    let now = chrono::Utc::now().to_rfc3339();
    let events: Vec<serde_json::Value> = (0..ACTIVE_SESSIONS)
        .map(|i| {
            serde_json::json!({
                "id": format!("load-view-{round}-{i}"), "kind": "view", "occurred_at": now,
                "anonymous_id": format!("anon-active-{i}"),
                "session_id": format!("active-{i}"),
                "product_id": args.products.choose(&mut rng),
            })
        })
        .collect();
    for batch in events.chunks(100) {
        let body = serde_json::json!({"shop": args.shop, "key": key, "events": batch});
        let response = client
            .post(format!("{}/events", args.url))
            .json(&body)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "POST /events: {}",
            response.status()
        );
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(parse_args()?);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(10))
        .build()?;
    if let Some(key) = &args.ingest_key {
        refresh_sessions(&client, &args, key, 0).await?;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut refreshed = 1;
    let request = |n| client.get(format!("{}{}", args.url, request_path(&args, &mut rng, n)));
    let refresh = |elapsed: Duration, tasks: &mut tokio::task::JoinSet<()>| {
        let Some(key) = &args.ingest_key else { return };
        if elapsed > REFRESH * refreshed {
            let (client, args, key) = (client.clone(), Arc::clone(&args), key.clone());
            tasks.spawn(async move {
                if let Err(err) = refresh_sessions(&client, &args, &key, u64::from(refreshed)).await
                {
                    eprintln!("refreshing sessions failed: {err}");
                }
            });
            refreshed += 1;
        }
    };
    load::run(args.schedule, request, refresh).await;
    Ok(())
}
