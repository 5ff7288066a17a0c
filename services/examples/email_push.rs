//! Times a Klaviyo push of many profiles against the fake Klaviyo, which enforces Klaviyo's
//! documented per-endpoint limits (1 s and 60 s windows, 429 with `Retry-After` beyond them),
//! and reports the wall time, the requests per endpoint, the 429s and the peak admitted
//! rate against each limit.
//!
//! `cargo run --release -p services --example email_push -- [PROFILES]`
//!
//! Default 100,000 profiles, each with a 6-item list, all known to Klaviyo. The database is
//! SQLite in a temporary folder, or PostgreSQL with `TEST_DATABASE_URL`; the shop and its
//! lists are written first (not timed).
#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

#[path = "../tests/email/helpers.rs"]
#[expect(dead_code, reason = "the benchmark uses part of the test rig")]
mod helpers;

use std::time::{Duration, Instant};

use klaviyo::Endpoint;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let profiles: i64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let rig = helpers::rig().await;
    helpers::publish(&rig, "l1", &helpers::lists_for(1..=profiles)).await;
    helpers::known_to_klaviyo(&rig, 1..=profiles);
    helpers::connect(&rig).await;
    for endpoint in Endpoint::ALL {
        let limit = endpoint.rate_limit();
        rig.fake
            .limit_rate(endpoint, limit.burst_per_second, Duration::from_secs(1));
        rig.fake
            .limit_rate(endpoint, limit.steady_per_minute, Duration::from_secs(60));
    }
    let before = rig.fake.requests().len();

    let started = Instant::now();
    let summary = helpers::push_with(&rig, "l1", None).await?;
    let elapsed = started.elapsed();

    println!(
        "{profiles} profiles pushed in {:.1} s: {summary:?}",
        elapsed.as_secs_f64()
    );
    println!("endpoint | requests | 429s | peak per 1 s (limit) | peak per 60 s (limit)");
    let requests = rig.fake.requests();
    for endpoint in Endpoint::ALL {
        let sent = requests[before..]
            .iter()
            .filter(|r| r.endpoint == Some(endpoint))
            .count();
        if sent == 0 {
            continue;
        }
        let limit = endpoint.rate_limit();
        println!(
            "{endpoint} | {sent} | {} | {} ({}) | {} ({})",
            rig.fake.throttled(endpoint),
            rig.fake.peak_admitted(endpoint, Duration::from_secs(1)),
            limit.burst_per_second,
            rig.fake.peak_admitted(endpoint, Duration::from_secs(60)),
            limit.steady_per_minute,
        );
    }
    Ok(())
}
