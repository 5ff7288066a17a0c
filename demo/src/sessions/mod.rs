//! Simulated shopper sessions and the orders they place.

mod query;
mod script;
mod walk;
mod world;

use rand::Rng as _;

use crate::model::{Customer, Order, Session};
use crate::rng::{self, Rng, Table};
use crate::shoppers::{self, Shopper};
pub(crate) use walk::{Walk, pull};
pub(crate) use world::World;

const DAY: i64 = 86_400;
/// Sessions start at least this long before `now`, so even the longest ends in the past
/// (20 events × 120 s = 40 min).
const LAST_START_BEFORE_NOW: i64 = 3_600;
/// Order ids: 13 digits, like Shopify's.
const ORDER_ID_BASE: i64 = 6_200_000_000_000;
/// Relative traffic by hour of day: quiet nights, a lunch bump, a busy evening.
const HOURLY: [f64; 24] = [
    0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 1.0, 0.95, 0.85, 0.8, 0.8, 0.85,
    0.95, 1.0, 1.0, 0.95, 0.75, 0.5,
];

/// Simulates `count` sessions over the `days` before `now`; fixes customers' sign-up dates.
pub(crate) fn simulate(
    rng: &mut Rng,
    world: &World<'_>,
    customers: &mut [Customer],
    count: usize,
    days: u32,
    now: i64,
) -> (Vec<Session>, Vec<Order>) {
    // Nothing to browse: a shop without active products has no history.
    if world.catalog.by_leaf.iter().all(Vec::is_empty) {
        return (Vec::new(), Vec::new());
    }
    let activity: Vec<f64> = world.shoppers.iter().map(|s| s.activity).collect();
    let table = Table::new(&activity);
    let mut plans = Vec::with_capacity(count);
    for _ in 0..count {
        let Some(shopper) = table.sample(rng) else {
            break;
        };
        plans.push((start_time(rng, days, now), shopper));
    }
    plans.sort_unstable();
    let mut sessions = Vec::with_capacity(plans.len());
    let mut orders = Vec::new();
    for (start, shopper) in plans {
        let Some((session, order)) = one_session(rng, world, customers, start, shopper) else {
            continue;
        };
        let account = world.shoppers[shopper]
            .customer
            .and_then(|i| customers.get_mut(i));
        if let (Some(customer), Some(_)) = (account, session.customer_id) {
            // An account cannot be younger than the first visit made with it.
            let signed_up = session.started_at.saturating_sub(rng.random_range(60..DAY));
            customer.created_at = customer.created_at.min(signed_up);
        }
        sessions.push(session);
        orders.extend(order);
    }
    // Sessions overlap, so checkout times are not in session order; ids follow checkout time.
    orders.sort_by_key(|o| o.created_at);
    let mut order_id = ORDER_ID_BASE;
    for order in &mut orders {
        order_id += rng.random_range(1..=400);
        order.id = order_id;
    }
    (sessions, orders)
}

/// One session of shopper `index` starting at `start`, with its order if it bought something.
fn one_session(
    rng: &mut Rng,
    world: &World<'_>,
    customers: &[Customer],
    start: i64,
    index: usize,
) -> Option<(Session, Option<Order>)> {
    let shopper = world.shoppers.get(index)?;
    let Visit {
        customer_id,
        referrer,
        device,
        anonymous_id,
    } = visit(rng, shopper, customers);
    let buyer = rng.random_bool(if customer_id.is_some() { 0.12 } else { 0.055 });
    // 3-20 events, most sessions short.
    let budget = 3 + (17.0 * rng.random::<f64>().powf(1.8)).floor() as usize;
    let extra = if buyer {
        rng::pick_weighted(rng, &[0.42, 0.38, 0.20]).unwrap_or(0)
    } else {
        0
    };
    // Room for the checkout: a view, an add-to-cart and a purchase per line.
    let reserve = if buyer { 3 * (extra + 1) } else { 0 };
    let entry = world.leaf_for(rng, shopper);
    let mut walk = Walk::new(world, shopper, start, entry);
    script::browse(&mut walk, rng, budget.saturating_sub(reserve).max(1), buyer);
    let lines = if buyer && !walk.events.is_empty() {
        script::checkout(&mut walk, rng, extra)
    } else {
        Vec::new()
    };
    let first = walk.events.first()?.at;
    let last = walk.events.last()?.at;
    let id = rng::uuid_like(rng);
    let order = (!lines.is_empty()).then(|| Order {
        id: 0,
        customer_id,
        session_id: id.clone(),
        created_at: last,
        lines,
    });
    let session = Session {
        id,
        anonymous_id,
        customer_id,
        started_at: first,
        device: device.to_owned(),
        referrer: referrer.to_owned(),
        events: walk.events,
    };
    Some((session, order))
}

/// Who is visiting, from where and on what.
struct Visit {
    customer_id: Option<i64>,
    referrer: &'static str,
    device: &'static str,
    anonymous_id: String,
}

fn visit(rng: &mut Rng, shopper: &Shopper, customers: &[Customer]) -> Visit {
    // Account holders are logged in on most, not all, visits.
    let customer_id = shopper
        .customer
        .and_then(|i| customers.get(i))
        .filter(|_| rng.random_bool(0.85))
        .map(|c| c.id);
    let referrer = referrer(rng, customer_id.is_some());
    let device = if rng.random_bool(0.8) {
        shopper.device
    } else {
        shoppers::device(rng)
    };
    // A fifth of visits come from a new browser or cleared cookies.
    let anonymous_id = if rng.random_bool(0.8) {
        shopper.anonymous_id.clone()
    } else {
        rng::uuid_like(rng)
    };
    Visit {
        customer_id,
        referrer,
        device,
        anonymous_id,
    }
}

/// Traffic source: logged-in customers come more from e-mail, strangers from search and social.
fn referrer(rng: &mut Rng, known: bool) -> &'static str {
    const SOURCES: [&str; 8] = [
        "direct",
        "google",
        "instagram",
        "email",
        "facebook",
        "tiktok",
        "pinterest",
        "bing",
    ];
    let weights: [f64; 8] = if known {
        [0.30, 0.20, 0.12, 0.22, 0.06, 0.04, 0.04, 0.02]
    } else {
        [0.22, 0.30, 0.17, 0.04, 0.09, 0.08, 0.06, 0.04]
    };
    rng::pick_weighted(rng, &weights).map_or("direct", |i| SOURCES[i])
}

/// A start in the window, shaped by time of day (rejection sampling against [`HOURLY`]).
fn start_time(rng: &mut Rng, days: u32, now: i64) -> i64 {
    let latest = now.saturating_sub(LAST_START_BEFORE_NOW);
    let window = (i64::from(days) * DAY - LAST_START_BEFORE_NOW).max(1);
    let mut start = latest;
    for _ in 0..20 {
        start = latest.saturating_sub(rng.random_range(0..window));
        let hour = usize::try_from(start.rem_euclid(DAY) / 3_600).unwrap_or(0);
        if rng.random::<f64>() < HOURLY.get(hour).copied().unwrap_or(1.0) {
            break;
        }
    }
    start
}
