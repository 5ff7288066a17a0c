//! Off-policy evaluation on the Open Bandit Dataset sample (ZOZOTOWN; CC BY 4.0).
//!
//! ```text
//! bash ../shared/data/fetch-datasets.sh      # once; caches outside the repo
//! cargo run --release -p ranker --example ope_eval -- --obd ~/.cache/meander-datasets/obd [--json]
//! ```
//!
//! Per campaign (all / men / women): the on-policy CTR of the uniform-random and the
//! Bernoulli-TS logs, then each policy's value estimated from the *other* policy's logs with
//! IPS, SNIPS and DR, the effective sample size and 95 % percentile-bootstrap intervals
//! (1,000 resamples, ChaCha8 seed 42).
//!
//! Target policies (context-free, one distribution per position):
//! - random: uniform over the campaign's items (`item_context.csv` rows) — its definition;
//! - Bernoulli TS: the empirical frequency of each item at each position in the BTS log, i.e.
//!   the time-average of the BTS policy over the log period.
//!
//! DR's reward model: the empirical CTR of each (item, position) in the logs being reweighted
//! (0 where never shown). `ranker/scripts/check_ope_against_obp.py` runs obp 0.4.1 on the same
//! inputs and compares the point estimates (`--json` output).

use std::error::Error;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::ope::{
    ContextFreePolicy, EmpiricalCtr, Estimator, LogSchema, LoggedRecord, Ope, TargetPolicy,
    on_policy_value,
};

const POSITIONS: usize = 3;
const ESTIMATORS: [Estimator; 3] = [Estimator::Ips, Estimator::Snips, Estimator::Dr];

/// Reads one log (`{dir}/{policy}/{campaign}/{campaign}.csv`) and the campaign's item count.
fn load(
    dir: &Path,
    policy: &str,
    campaign: &str,
) -> Result<(Vec<LoggedRecord>, usize), Box<dyn Error>> {
    let base = dir.join(policy).join(campaign);
    let text = std::fs::read_to_string(base.join(format!("{campaign}.csv")))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty log")?.split(',').collect();
    let schema = LogSchema::from_header(&header)?;
    let records = lines
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(row, line)| schema.parse(row, &line.split(',').collect::<Vec<_>>()))
        .collect::<Result<Vec<_>, _>>()?;
    let items = std::fs::read_to_string(base.join("item_context.csv"))?
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    Ok((records, items))
}

/// One estimator's value and 95 % interval.
type Value = (Estimator, f64, f64, f64);

/// One evaluation: a target policy's value from a log.
struct Row {
    campaign: String,
    target: &'static str,
    logs: &'static str,
    truth: f64,
    ess: f64,
    values: Vec<Value>,
}

fn evaluate(
    logs: &[LoggedRecord],
    target: &impl TargetPolicy,
    items: usize,
    rng: &mut ChaCha8Rng,
) -> Result<(f64, Vec<Value>), Box<dyn Error>> {
    let model = EmpiricalCtr::fit(logs, items, POSITIONS)?;
    let ope = Ope::new(logs, target)?.with_reward_model(target, &model);
    let mut out = Vec::new();
    for est in ESTIMATORS {
        let value = ope.estimate(est).ok_or("estimate")?.value;
        let ci = ope.bootstrap(est, 1_000, 0.95, rng).ok_or("interval")?;
        out.push((est, value, ci.lower, ci.upper));
    }
    Ok((ope.effective_sample_size(), out))
}

fn campaign(dir: &Path, name: &str, rng: &mut ChaCha8Rng) -> Result<Vec<Row>, Box<dyn Error>> {
    let (random, items) = load(dir, "random", name)?;
    let (bts, _) = load(dir, "bts", name)?;
    let uniform = ContextFreePolicy::uniform(items, POSITIONS);
    let bts_policy = ContextFreePolicy::from_frequencies(&bts, items, POSITIONS)?;
    let (ess_a, a) = evaluate(&random, &bts_policy, items, rng)?;
    let (ess_b, b) = evaluate(&bts, &uniform, items, rng)?;
    Ok(vec![
        Row {
            campaign: name.into(),
            target: "bts",
            logs: "random",
            truth: on_policy_value(&bts),
            ess: ess_a,
            values: a,
        },
        Row {
            campaign: name.into(),
            target: "random",
            logs: "bts",
            truth: on_policy_value(&random),
            ess: ess_b,
            values: b,
        },
    ])
}

fn print_markdown(rows: &[Row]) {
    println!(
        "| campaign | target policy | from logs of | on-policy CTR of target | estimator | estimate | 95 % CI | rel. error | ESS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        for (est, v, lo, hi) in &r.values {
            println!(
                "| {} | {} | {} | {:.5} | {est:?} | {v:.5} | [{lo:.5}, {hi:.5}] | {:+.1} % | {:.0} |",
                r.campaign,
                r.target,
                r.logs,
                r.truth,
                100.0 * (v - r.truth) / r.truth,
                r.ess
            );
        }
    }
}

fn print_json(rows: &[Row]) {
    for r in rows {
        for (est, v, _, _) in &r.values {
            println!(
                "{{\"campaign\":\"{}\",\"target\":\"{}\",\"logs\":\"{}\",\"estimator\":\"{est:?}\",\"value\":{v:e},\"on_policy\":{:e},\"ess\":{:e}}}",
                r.campaign, r.target, r.logs, r.truth, r.ess
            );
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut json) = (PathBuf::new(), false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--obd" => dir = PathBuf::from(args.next().ok_or("--obd needs a value")?),
            "--json" => json = true,
            _ => return Err(format!("unknown flag {a}").into()),
        }
    }
    if dir.join("obd").is_dir() {
        dir = dir.join("obd");
    }
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut rows = Vec::new();
    for name in ["all", "men", "women"] {
        rows.extend(campaign(&dir, name, &mut rng)?);
    }
    if json {
        print_json(&rows);
    } else {
        print_markdown(&rows);
    }
    Ok(())
}
