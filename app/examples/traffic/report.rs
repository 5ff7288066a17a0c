//! Per-arm results of a run, computed from the simulator's own log, with 95 % intervals
//! (Wilson for rates, normal for the mean revenue), and side by side with the app's
//! experiment results API.
//!
//! Definitions: a shopper's arm is the arm of the first answer tagged for them; a session
//! (visit) is in an arm when one of its answers was served under it. CTR counts answers
//! served under the arm that showed items and were clicked at least once; the add-to-cart
//! rate counts sessions with a cart add after such an answer (both as the results API
//! counts them). Discovery follows `docs/METRICS.md`: engaged sessions (a recommendation
//! click or a cart add) that touched a product or a category the shopper had never touched
//! before the session. Catalog exposure is the distinct products shown by the arm's first
//! n answers over the active catalog, n being the smaller arm's count, so arms with
//! different traffic compare fairly; early exposure is the same over the first few hundred
//! answers, before a long run has shown nearly everything under any policy. Repeat rate: shoppers of the arm who came back on a
//! later simulated day and engaged.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use ranker::stats::{Mean, Proportion};
use serde_json::Value;

use super::run::Log;
use super::visit::VisitLog;

/// Confidence of every interval.
const CONFIDENCE: f64 = 0.95;
/// Answers of the early exposure figure.
const EARLY_ANSWERS: usize = 300;

/// One arm's figures.
#[derive(Debug, Clone)]
pub struct ArmReport {
    pub name: String,
    pub shoppers: usize,
    pub ctr: Proportion,
    pub add_to_cart: Proportion,
    pub discovery: Proportion,
    pub category_discovery: Proportion,
    /// Distinct products shown, and over how many answers: all (equalised) and early.
    pub exposed: (usize, usize),
    pub exposed_early: (usize, usize),
    /// Revenue per session, in major units.
    pub revenue: Mean,
    pub orders: usize,
    pub repeat: Proportion,
}

/// The run's results.
#[derive(Debug, Clone)]
pub struct Report {
    pub arms: Vec<ArmReport>,
    pub active_products: usize,
    pub visits: usize,
    /// Visits without an answer served under an arm (they never reached the surface).
    pub outside: usize,
    pub failed: usize,
}

impl Report {
    /// The figures of `log` for a catalog of `active_products`.
    pub fn new(log: &Log, active_products: usize) -> Self {
        let first_arm = shoppers_arms(&log.visits);
        let mut names: Vec<&str> = first_arm.values().copied().collect();
        names.sort_unstable();
        names.dedup();
        let equal = names
            .iter()
            .map(|name| tagged(&log.visits, name).count())
            .min()
            .unwrap_or(0);
        let arms = names
            .iter()
            .map(|name| arm(log, name, &first_arm, equal, active_products))
            .collect();
        Self {
            arms,
            active_products,
            visits: log.visits.len(),
            outside: log.visits.iter().filter(|v| v.arm().is_none()).count(),
            failed: log.failed,
        }
    }

    /// Answers served under an arm that showed items, over all arms.
    pub fn shown(&self) -> u64 {
        self.arms.iter().map(|a| a.ctr.trials).sum()
    }

    /// The per-arm table (Markdown).
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| arm | shoppers | sessions | CTR | add-to-cart rate | discovery rate | category discovery | catalog exposure | early exposure | revenue / session | orders | repeat rate |\n\
             |---|---|---|---|---|---|---|---|---|---|---|---|\n",
        );
        let share = |(distinct, answers): (usize, usize)| {
            let percent = 100.0 * distinct as f64 / self.active_products.max(1) as f64;
            format!("{percent:.1} % ({distinct} in {answers} answers)")
        };
        for a in &self.arms {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | ${:.2} [{:.2}, {:.2}] | {} | {} |",
                a.name,
                a.shoppers,
                a.add_to_cart.trials,
                rate(a.ctr),
                rate(a.add_to_cart),
                rate(a.discovery),
                rate(a.category_discovery),
                share(a.exposed),
                share(a.exposed_early),
                a.revenue.mean(),
                a.revenue.interval(CONFIDENCE).low,
                a.revenue.interval(CONFIDENCE).high,
                a.orders,
                rate(a.repeat),
            );
        }
        let _ = writeln!(
            out,
            "\n{} visits ({} never reached the experiment's surface, {} failed); active catalog {} products.",
            self.visits, self.outside, self.failed, self.active_products
        );
        out
    }

    /// The simulator's CTR, add-to-cart rate and revenue per session next to the results
    /// API's (Markdown).
    pub fn cross_check(&self, results: &Value) -> String {
        let mut out = String::from(
            "| arm | CTR (simulator) | CTR (results API) | add-to-cart (simulator) | add-to-cart (results API) | revenue / session (simulator) | revenue / session (results API) | decision vs control (CTR, revenue) |\n\
             |---|---|---|---|---|---|---|---|\n",
        );
        for (name, api) in api_arms(results) {
            let mine = self.arms.iter().find(|a| a.name == name);
            let decision = |metric: &str| {
                api["vs_control"][metric]["decision"]
                    .as_str()
                    .unwrap_or("(control)")
                    .to_owned()
            };
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} | {} | {} | {}, {} |",
                mine.map_or_else(|| "—".into(), |a| rate(a.ctr)),
                api_rate(&api["ctr"]),
                mine.map_or_else(|| "—".into(), |a| rate(a.add_to_cart)),
                api_rate(&api["add_to_cart"]),
                mine.map_or_else(|| "—".into(), |a| format!("${:.2}", a.revenue.mean())),
                api_revenue(&api["revenue_per_session"]),
                decision("ctr"),
                decision("revenue_per_session"),
            );
        }
        out
    }
}

/// The results API's arms by name.
pub fn api_arms(results: &Value) -> Vec<(String, Value)> {
    results["results"]["arms"]
        .as_array()
        .map(|arms| {
            arms.iter()
                .map(|a| (a["name"].as_str().unwrap_or("?").to_owned(), a.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn arm(
    log: &Log,
    name: &str,
    first_arm: &HashMap<usize, &str>,
    equal: usize,
    active_products: usize,
) -> ArmReport {
    let sessions: Vec<&VisitLog> = log
        .visits
        .iter()
        .filter(|v| v.arm() == Some(name))
        .collect();
    let answers: Vec<_> = tagged(&log.visits, name).collect();
    let shown: Vec<_> = answers
        .iter()
        .filter(|i| !i.served.items.is_empty())
        .collect();
    let engaged: Vec<&&VisitLog> = sessions.iter().filter(|v| v.engaged()).collect();
    let exposure = |n: usize| {
        let distinct: HashSet<i64> = answers
            .iter()
            .take(n)
            .flat_map(|i| i.served.items.iter().copied())
            .collect();
        (distinct.len().min(active_products), answers.len().min(n))
    };
    let revenue = Mean::of(sessions.iter().map(|v| v.revenue_minor as f64 / 100.0));
    let members: Vec<usize> = first_arm
        .iter()
        .filter(|(_, arm)| **arm == name)
        .map(|(s, _)| *s)
        .collect();
    ArmReport {
        name: name.to_owned(),
        shoppers: members.len(),
        ctr: count(
            shown.len(),
            shown.iter().filter(|i| i.clicked.is_some()).count(),
        ),
        add_to_cart: count(
            sessions.len(),
            sessions.iter().filter(|v| v.carted_after_arm).count(),
        ),
        discovery: count(
            engaged.len(),
            engaged
                .iter()
                .filter(|v| v.new_product || v.new_category)
                .count(),
        ),
        category_discovery: count(
            engaged.len(),
            engaged.iter().filter(|v| v.new_category).count(),
        ),
        exposed: exposure(equal),
        exposed_early: exposure(equal.min(EARLY_ANSWERS)),
        revenue,
        orders: sessions.iter().filter(|v| v.revenue_minor > 0).count(),
        repeat: count(
            members.len(),
            members
                .iter()
                .filter(|&&s| returned_engaged(&log.visits, s))
                .count(),
        ),
    }
}

/// Each shopper's arm: the arm of their first tagged answer.
fn shoppers_arms(visits: &[VisitLog]) -> HashMap<usize, &str> {
    let mut arms = HashMap::new();
    for visit in visits {
        if let Some(arm) = visit.arm() {
            arms.entry(visit.shopper).or_insert(arm);
        }
    }
    arms
}

/// The answers served under `name`, in log order.
fn tagged<'a>(
    visits: &'a [VisitLog],
    name: &'a str,
) -> impl Iterator<Item = &'a super::visit::Impression> + 'a {
    visits
        .iter()
        .flat_map(|v| &v.impressions)
        .filter(move |i| i.served.arm.as_deref() == Some(name))
}

/// Whether `shopper` engaged on a day after their first visit.
fn returned_engaged(visits: &[VisitLog], shopper: usize) -> bool {
    let mut days: BTreeMap<u32, bool> = BTreeMap::new();
    for v in visits.iter().filter(|v| v.shopper == shopper) {
        *days.entry(v.day).or_default() |= v.engaged();
    }
    days.values().skip(1).any(|&engaged| engaged)
}

fn count(trials: usize, successes: usize) -> Proportion {
    Proportion::new(successes as u64, trials as u64)
}

/// `12.3 % [10.1, 14.6] (123/1000)`.
fn rate(p: Proportion) -> String {
    let i = p.wilson(CONFIDENCE);
    format!(
        "{:.1} % [{:.1}, {:.1}] ({}/{})",
        100.0 * p.rate(),
        100.0 * i.low,
        100.0 * i.high,
        p.successes,
        p.trials
    )
}

/// The results API's revenue per session (minor units of the demo's dollars).
fn api_revenue(revenue: &Value) -> String {
    let dollars = |v: &Value| v.as_f64().unwrap_or(f64::NAN) / 100.0;
    format!(
        "${:.2} [{:.2}, {:.2}]",
        dollars(&revenue["mean"]),
        dollars(&revenue["interval"]["low"]),
        dollars(&revenue["interval"]["high"])
    )
}

/// The results API's rate object in the same format.
fn api_rate(rate: &Value) -> String {
    let n = |key: &str| rate[key].as_u64().unwrap_or(0);
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN) * 100.0;
    format!(
        "{:.1} % [{:.1}, {:.1}] ({}/{})",
        f(&rate["rate"]),
        f(&rate["interval"]["low"]),
        f(&rate["interval"]["high"]),
        n("successes"),
        n("trials")
    )
}
