//! The constant-rate driver the load examples share: requests start on a fixed schedule (an
//! arrival rate, as wrk2 does) whether or not earlier ones have answered, and each latency is
//! taken from the request's *scheduled* start, so a stalled server shows up in the tail
//! instead of slowing the load down (no coordinated omission).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Rate and duration of a run.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Requests started per second.
    pub rate: u32,
    /// Measured seconds.
    pub seconds: u64,
    /// Seconds run before measuring.
    pub warmup: u64,
}

impl Schedule {
    /// Takes `--rate`, `--seconds` or `--warmup`; `false` for any other flag.
    pub fn take_flag(&mut self, flag: &str, value: &str) -> anyhow::Result<bool> {
        use anyhow::Context as _;
        match flag {
            "--rate" => self.rate = value.parse().context("--rate")?,
            "--seconds" => self.seconds = value.parse().context("--seconds")?,
            "--warmup" => self.warmup = value.parse().context("--warmup")?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[derive(Default)]
struct Results {
    latencies_us: Vec<u64>,
    errors: u64,
}

/// Runs `schedule`, building request `n` with `request` and calling `tick` before each
/// request is started (for side work such as refreshing sessions); prints the report.
pub async fn run(
    schedule: Schedule,
    mut request: impl FnMut(u64) -> reqwest::RequestBuilder,
    mut tick: impl FnMut(Duration, &mut tokio::task::JoinSet<()>),
) {
    let results = Arc::new(Mutex::new(Results::default()));
    let period = Duration::from_secs_f64(1.0 / f64::from(schedule.rate));
    let total = u64::from(schedule.rate) * (schedule.warmup + schedule.seconds);
    let warmup = u64::from(schedule.rate) * schedule.warmup;
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..total {
        let scheduled = start + period.mul_f64(n as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        tick(start.elapsed(), &mut tasks);
        let pending = request(n);
        let results = Arc::clone(&results);
        tasks.spawn(async move {
            let ok = match pending.send().await {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            let elapsed = u64::try_from(scheduled.elapsed().as_micros()).unwrap_or(u64::MAX);
            let mut results = results.lock().await;
            if !ok {
                results.errors += 1;
            } else if n >= warmup {
                results.latencies_us.push(elapsed);
            }
        });
        // Reap finished tasks so the set does not grow for the whole run.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    report(schedule, &mut *results.lock().await, start.elapsed());
}

fn report(schedule: Schedule, results: &mut Results, elapsed: Duration) {
    let lat = &mut results.latencies_us;
    lat.sort_unstable();
    let pct = |p: f64| {
        let index = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len().max(1)) - 1;
        lat.get(index).map_or(0.0, |us| *us as f64 / 1000.0)
    };
    println!(
        "rate {} req/s for {} s (+{} s warm-up, {:.1} s wall): {} measured, {} errors",
        schedule.rate,
        schedule.seconds,
        schedule.warmup,
        elapsed.as_secs_f64(),
        lat.len(),
        results.errors
    );
    println!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(0.999),
        pct(1.0)
    );
}
