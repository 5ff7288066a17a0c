//! Feedback-loop simulator: what a policy shows shapes the next round's training data.
//!
//! ```text
//! cargo run --release -p ranker --example simulate -- [--rounds 20] [--seeds 5] \
//!     [--penalty 0.3] [--saturation 4] [--decay 0.5] [--svg ranker/docs/feedback_loop.svg]
//! ```
//!
//! The demo catalog (`demo` crate, 1,500 products, item quality drawn per seed) and 400
//! simulated shoppers with latent category preferences (see `world.rs`). Each round every
//! shopper sees one 8-item home list built from a 300-item candidate pool (the model's top
//! relevance for that shopper), clicks with probability `0.3 · affinity(category) · quality`
//! and buys 20 % of clicks; the clicks retrain the model before the next round.
//!
//! Honesty: the click model belongs to the world and never sees the policy; clicks and
//! purchases are keyed draws (seed, round, shopper, item), so every policy faces the same
//! shoppers and the same coin flips; the policy's own randomness has a separate stream. Each
//! seed is one independent world; the table reports mean ± standard deviation over seeds.

mod run;
mod svg;
mod world;

use std::error::Error;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::ExposureConfig;
use run::{Kind, Round, Setup, run};

/// The compared policies, in table order.
const POLICIES: [(Kind, &str); 4] = [
    (Kind::Relevance, "relevance only"),
    (Kind::Dpp, "DPP α=1 (within-list only)"),
    (Kind::Diversified, "diversified: DPP α=1 + exposure penalty"),
    (Kind::Explore, "diversified + exploration"),
];

struct Args {
    setup: Setup,
    seeds: u64,
    svg: Option<String>,
}

fn args() -> Result<Args, Box<dyn Error>> {
    let mut a = Args {
        setup: Setup {
            rounds: 20,
            exposure: ExposureConfig::default(),
            decay: 0.5,
        },
        seeds: 5,
        svg: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--rounds" => a.setup.rounds = v.parse()?,
            "--seeds" => a.seeds = v.parse()?,
            "--penalty" => a.setup.exposure.penalty = v.parse()?,
            "--saturation" => a.setup.exposure.saturation = v.parse()?,
            "--decay" => a.setup.decay = v.parse()?,
            "--svg" => a.svg = Some(v),
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(a)
}

/// Mean and sample standard deviation.
fn stats(xs: &[f64]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// One run's summary: final exposure and Gini, mean CTR and discovery, total revenue.
fn summary(r: &[Round]) -> [f64; 5] {
    let last = r.last().copied().unwrap_or_default();
    let n = r.len().max(1) as f64;
    [
        last.exposure,
        last.gini,
        r.iter().map(|x| x.ctr).sum::<f64>() / n,
        r.iter().map(|x| x.discovery).sum::<f64>() / n,
        r.iter().map(|x| x.revenue).sum::<f64>(),
    ]
}

/// Prints the table: absolute metrics, then per-seed changes against relevance only.
fn table(runs: &[Vec<Vec<Round>>]) {
    println!(
        "| policy | catalog exposure | exposure Gini | CTR | discovery rate | revenue proxy | Δ exposure | Δ CTR |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let base: Vec<[f64; 5]> = runs[0].iter().map(|r| summary(r)).collect();
    for ((_, name), per_seed) in POLICIES.iter().zip(runs) {
        let s: Vec<[f64; 5]> = per_seed.iter().map(|r| summary(r)).collect();
        let col = |j: usize| stats(&s.iter().map(|x| x[j]).collect::<Vec<_>>());
        let rel = |j: usize| {
            let v: Vec<f64> = s
                .iter()
                .zip(&base)
                .map(|(x, b)| 100.0 * (x[j] / b[j] - 1.0))
                .collect();
            stats(&v)
        };
        let f = |(m, d): (f64, f64), p: usize| format!("{m:.p$} ± {d:.p$}");
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} % | {} % |",
            f(col(0), 3),
            f(col(1), 3),
            f(col(2), 4),
            f(col(3), 3),
            f(col(4), 0),
            f(rel(0), 1),
            f(rel(2), 1),
        );
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let a = args()?;
    // runs[policy][seed] = rounds
    let mut runs: Vec<Vec<Vec<Round>>> = vec![Vec::new(); POLICIES.len()];
    for seed in 1..=a.seeds {
        let shop = world::shop(1_500, &mut ChaCha8Rng::seed_from_u64(seed))?;
        for ((kind, _), out) in POLICIES.iter().zip(runs.iter_mut()) {
            out.push(run(&shop, *kind, &a.setup, seed)?);
        }
    }
    table(&runs);
    if let Some(path) = a.svg {
        let names: Vec<&str> = POLICIES.iter().map(|p| p.1).collect();
        std::fs::write(path, svg::plot(&names, &runs))?;
    }
    Ok(())
}
