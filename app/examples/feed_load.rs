//! Constant-rate load on fixed paths, for the Klaviyo feed endpoints (the driver in
//! `load/mod.rs`: no coordinated omission).
//!
//! ```text
//! cargo run --release -p app --example feed_load -- \
//!     --url http://127.0.0.1:8080 --paths paths.txt --rate 100 --seconds 30 --warmup 5
//! ```
//!
//! `paths.txt` holds one path and query per line (for example
//! `/feeds/new-arrivals.json?key=mf_…`); requests go round-robin over them.

mod load;

use std::time::Duration;

use anyhow::Context as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut url = "http://127.0.0.1:8080".to_owned();
    let mut paths = Vec::new();
    let mut schedule = load::Schedule {
        rate: 100,
        seconds: 30,
        warmup: 5,
    };
    let mut raw = std::env::args().skip(1);
    while let Some(flag) = raw.next() {
        let value = raw
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        if schedule.take_flag(&flag, &value)? {
            continue;
        }
        match flag.as_str() {
            "--url" => url = value,
            "--paths" => {
                paths = std::fs::read_to_string(&value)
                    .with_context(|| format!("reading {value}"))?
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    anyhow::ensure!(!paths.is_empty(), "--paths is required");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(10))
        .build()?;
    let request = |n: u64| {
        let index = usize::try_from(n).unwrap_or(0) % paths.len();
        client.get(format!("{url}{}", paths[index]))
    };
    load::run(schedule, request, |_, _| {}).await;
    Ok(())
}
