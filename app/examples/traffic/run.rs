//! Simulated days of traffic. The app's clock cannot be moved, so a "day" is a round of the
//! run: each shopper visits at most once per round, with a chance that grows with their
//! activity and with how engaging their last visit was; rounds follow each other within the
//! run. Visits of a round run concurrently; each has its own random stream, so a seed gives
//! the same shoppers the same choices (what they are shown can still differ: the server
//! explores at random).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use demo::audience::Audience;
use futures::StreamExt as _;
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use super::storefront::Storefront;
use super::visit::{Known, Visit, VisitLog};

/// How much traffic to send.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of every shopper's choices.
    pub seed: u64,
    /// Simulated days (rounds).
    pub days: u32,
    /// Visits wanted over the whole run (fewer if the deadline comes first).
    pub visits: usize,
    /// Visits in flight at once.
    pub concurrency: usize,
    /// Most visits started per second (`None`: as fast as the shop answers).
    pub rate: Option<f64>,
    /// No visit starts after this.
    pub deadline: Option<Instant>,
    /// Prefix of the storefront session ids, so two runs never share a session.
    pub run_tag: String,
}

/// What the run did.
#[derive(Debug, Default)]
pub struct Log {
    /// Every finished visit, by day then shopper.
    pub visits: Vec<VisitLog>,
    /// Visits that failed on an HTTP error (logged to stderr).
    pub failed: usize,
}

/// Runs the traffic; `known` is what each shopper had touched before the run (by shopper
/// index; see [`history`]).
pub async fn simulate(
    store: &Storefront,
    audience: &Audience,
    mut known: HashMap<usize, Known>,
    options: &Options,
) -> Log {
    let mut log = Log::default();
    let mut mood = vec![1.0; audience.len()];
    let started = Instant::now();
    let mut begun = 0_usize;
    for day in 0..options.days {
        let left = options.visits.saturating_sub(log.visits.len() + log.failed);
        let days_left = options.days - day;
        let mut plans = visitors(
            audience,
            &mood,
            options,
            day,
            left.div_ceil(days_left as usize),
        );
        plans.truncate(left);
        let empty = Known::default();
        let visits = futures::stream::iter(plans)
            .map(|shopper| {
                let slot = begun;
                begun += 1;
                let known = known.get(&shopper).unwrap_or(&empty);
                async move {
                    if let Some(rate) = options.rate {
                        let at = started + Duration::from_secs_f64(slot as f64 / rate);
                        tokio::time::sleep_until(at.into()).await;
                    }
                    if options.deadline.is_some_and(|d| Instant::now() > d) {
                        return None;
                    }
                    Some(one(store, audience, known, options, day, shopper).await)
                }
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        let mut done: Vec<VisitLog> = Vec::new();
        for outcome in visits.into_iter().flatten() {
            match outcome {
                Ok(visit) => done.push(visit),
                Err(err) => {
                    eprintln!("a visit failed: {err:#}");
                    log.failed += 1;
                }
            }
        }
        done.sort_by_key(|v| v.shopper);
        for visit in &done {
            remember(known.entry(visit.shopper).or_default(), audience, visit);
            if let Some(member) = audience.shopper(visit.shopper) {
                mood[visit.shopper] = member.return_factor(visit.engaged());
            }
        }
        log.visits.extend(done);
        if options.deadline.is_some_and(|d| Instant::now() > d) {
            break;
        }
    }
    log
}

/// Shopper `shopper`'s visit on `day`, with its own random stream.
async fn one(
    store: &Storefront,
    audience: &Audience,
    known: &Known,
    options: &Options,
    day: u32,
    shopper: usize,
) -> anyhow::Result<VisitLog> {
    let member = audience
        .shopper(shopper)
        .ok_or_else(|| anyhow::anyhow!("no shopper {shopper}"))?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    rng.set_stream((u64::from(day) << 32) | shopper as u64);
    let visit = Visit {
        store,
        shopper: member,
        known,
        session: format!("{}d{day}s{shopper}", options.run_tag),
        rng,
    };
    visit.run(shopper, day).await
}

/// The shoppers visiting on `day`: each with chance 1 - exp(-λ), λ proportional to their
/// activity and mood, scaled so about `wanted` visit.
fn visitors(
    audience: &Audience,
    mood: &[f64],
    options: &Options,
    day: u32,
    wanted: usize,
) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    rng.set_stream(u64::MAX - u64::from(day));
    let weight = |i: usize| audience.shopper(i).map_or(0.0, |m| m.activity()) * mood[i];
    let total: f64 = (0..audience.len()).map(weight).sum();
    (0..audience.len())
        .filter(|&i| {
            let lambda = wanted as f64 * weight(i) / total.max(f64::EPSILON);
            rng.random::<f64>() < 1.0 - (-lambda).exp()
        })
        .collect()
}

/// Adds what `visit` touched to what its shopper knows.
fn remember(known: &mut Known, audience: &Audience, visit: &VisitLog) {
    for &p in &visit.touched {
        known.products.insert(p);
        known
            .categories
            .extend(audience.product(p).map(|p| p.category_id));
    }
}

/// What each shopper touched in the generated history (sessions under their usual browser
/// id or their customer account), by shopper index.
pub fn history(audience: &Audience, shop: &demo::DemoShop) -> HashMap<usize, Known> {
    let mut owner: HashMap<String, usize> = HashMap::new();
    for i in 0..audience.len() {
        let Some(member) = audience.shopper(i) else {
            continue;
        };
        owner.insert(member.anonymous_id().to_owned(), i);
        owner.extend(member.customer_id().map(|c| (c.to_string(), i)));
    }
    let mut known: HashMap<usize, Known> = HashMap::new();
    for session in &shop.sessions {
        let by_customer = session.customer_id.and_then(|c| owner.get(&c.to_string()));
        let Some(&shopper) = by_customer.or_else(|| owner.get(&session.anonymous_id)) else {
            continue;
        };
        let entry = known.entry(shopper).or_default();
        for product in session.events.iter().filter_map(|e| e.product_id) {
            entry.products.insert(product);
            entry
                .categories
                .extend(audience.product(product).map(|p| p.category_id));
        }
    }
    known
}
