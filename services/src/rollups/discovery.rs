//! Discovery: whether shoppers met products and categories new to them. A product (or
//! category) is new to a shopper in a session when none of their earlier events — under the
//! same browser or, once known, the same customer — touched it. History reaches back as far
//! as events are kept (`events.event_retention_days`).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::event;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr};

use super::stats::share;
use super::touches::{Touch, touches};
use super::{ALL_SURFACES, Catalog, Metric, Span, chunks};

/// Event kinds that engage a shopper with a product.
const ENGAGING: [&str; 4] = ["view", "click", "add_to_cart", "purchase"];

/// Who a product was first touched by, and when.
#[derive(Default)]
struct FirstSeen {
    by_browser: HashMap<(String, i64), DateTime<Utc>>,
    by_customer: HashMap<(i64, i64), DateTime<Utc>>,
    category_by_browser: HashMap<(String, String), DateTime<Utc>>,
    category_by_customer: HashMap<(i64, String), DateTime<Utc>>,
}

impl FirstSeen {
    fn record(&mut self, t: &Touch, catalog: &Catalog) {
        let Some(product) = t.product_id else { return };
        earliest(
            &mut self.by_browser,
            (t.anonymous_id.clone(), product),
            t.at,
        );
        let category = catalog.category(product).map(str::to_owned);
        if let Some(category) = &category {
            earliest(
                &mut self.category_by_browser,
                (t.anonymous_id.clone(), category.clone()),
                t.at,
            );
        }
        if let Some(customer) = t.customer_id {
            earliest(&mut self.by_customer, (customer, product), t.at);
            if let Some(category) = category {
                earliest(&mut self.category_by_customer, (customer, category), t.at);
            }
        }
    }

    /// When the shopper of `t` first touched `product`.
    fn product(&self, t: &Touch, product: i64) -> Option<DateTime<Utc>> {
        let browser = self.by_browser.get(&(t.anonymous_id.clone(), product));
        let customer = t
            .customer_id
            .and_then(|c| self.by_customer.get(&(c, product)));
        browser.into_iter().chain(customer).min().copied()
    }

    /// When the shopper of `t` first touched `category`.
    fn category(&self, t: &Touch, category: &str) -> Option<DateTime<Utc>> {
        let browser = self
            .category_by_browser
            .get(&(t.anonymous_id.clone(), category.to_owned()));
        let customer = t
            .customer_id
            .and_then(|c| self.category_by_customer.get(&(c, category.to_owned())));
        browser.into_iter().chain(customer).min().copied()
    }
}

fn earliest<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, DateTime<Utc>>,
    key: K,
    at: DateTime<Utc>,
) {
    map.entry(key)
        .and_modify(|seen| *seen = (*seen).min(at))
        .or_insert(at);
}

/// The day's discovery counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Discovery {
    /// Sessions with any event.
    pub sessions: i64,
    /// Sessions that touched at least one product.
    engaged: i64,
    /// Of those, sessions touching a product or a category new to the shopper.
    discovering: i64,
    /// Of those, sessions touching a category new to the shopper.
    new_category: i64,
    /// Distinct categories touched, summed over engaged sessions.
    categories: i64,
    /// Per surface: attributed clicks, and those on a product new to the shopper.
    clicks: BTreeMap<String, (i64, i64)>,
}

/// The day's discovery counts: all traffic's, and per experiment arm those of the sessions it
/// served.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct DiscoveryDay {
    /// All sessions.
    pub all: Discovery,
    /// Per arm key.
    pub by_arm: BTreeMap<String, Discovery>,
}

/// Counts the day's sessions and recommendation clicks that met something new, for all
/// traffic and for the sessions each arm in `arm_sessions` served.
///
/// # Errors
/// The database error.
pub(super) async fn count(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
    catalog: &Catalog,
    arm_sessions: &BTreeMap<String, HashSet<String>>,
) -> Result<DiscoveryDay, DbErr> {
    let today = touches(conn, shop_id, Condition::all(), Some(span.start), span.end).await?;
    let mut first = FirstSeen::default();
    for t in history(conn, shop_id, &today, span.start).await? {
        first.record(&t, catalog);
    }
    today.iter().for_each(|t| first.record(t, catalog));

    let mut sessions: HashMap<&str, Vec<&Touch>> = HashMap::new();
    for t in &today {
        sessions.entry(t.session_id.as_str()).or_default().push(t);
    }
    let mut out = DiscoveryDay::default();
    for (id, touches) in &sessions {
        session(touches, &first, catalog, &mut out.all);
        for (arm, served) in arm_sessions {
            if served.contains(*id) {
                session(
                    touches,
                    &first,
                    catalog,
                    out.by_arm.entry(arm.clone()).or_default(),
                );
            }
        }
    }
    for t in today.iter().filter(|t| t.kind == "click" && t.attributed()) {
        let (Some(surface), Some(product)) = (&t.surface, t.product_id) else {
            continue;
        };
        let new = first.product(t, product).is_none_or(|seen| seen >= t.at);
        let c = out.all.clicks.entry(surface.clone()).or_default();
        c.0 += 1;
        c.1 += i64::from(new);
    }
    Ok(out)
}

/// Adds one session's touches to the counts.
fn session(touches: &[&Touch], first: &FirstSeen, catalog: &Catalog, out: &mut Discovery) {
    let Some(start) = touches.iter().map(|t| t.at).min() else {
        return;
    };
    out.sessions += 1;
    let engaging: Vec<&&Touch> = touches
        .iter()
        .filter(|t| t.product_id.is_some() && ENGAGING.contains(&t.kind.as_str()))
        .collect();
    if engaging.is_empty() {
        return;
    }
    out.engaged += 1;
    let new_to = |seen: Option<DateTime<Utc>>| seen.is_none_or(|seen| seen >= start);
    let new_product = engaging
        .iter()
        .any(|t| t.product_id.is_some_and(|p| new_to(first.product(t, p))));
    let categories: Vec<(&str, &Touch)> = engaging
        .iter()
        .filter_map(|t| Some((catalog.category(t.product_id?)?, **t)))
        .collect();
    let new_category = categories
        .iter()
        .any(|(category, t)| new_to(first.category(t, category)));
    let distinct: HashSet<&str> = categories.iter().map(|(c, _)| *c).collect();
    out.discovering += i64::from(new_product || new_category);
    out.new_category += i64::from(new_category);
    out.categories += i64::try_from(distinct.len()).unwrap_or(i64::MAX);
}

/// The discovery metrics of `arm`: storefront-wide rates per session and, per surface, the
/// share of recommendation clicks that led to a product new to the shopper.
pub(super) fn metrics(d: &Discovery, arm: &str) -> Vec<Metric> {
    let all = |name, value, samples| Metric::new(ALL_SURFACES, name, value, samples).in_arm(arm);
    let mut out = vec![
        all(super::ROLLED_UP_MARKER, d.sessions as f64, d.sessions),
        all("engaged_sessions", d.engaged as f64, d.sessions),
        all("discovery_rate", share(d.discovering, d.engaged), d.engaged),
        all(
            "category_discovery_rate",
            share(d.new_category, d.engaged),
            d.engaged,
        ),
        all(
            "category_spread",
            d.categories as f64 / d.engaged.max(1) as f64,
            d.engaged,
        ),
    ];
    for (surface, (clicks, new)) in &d.clicks {
        out.push(
            Metric::new(
                surface,
                "click_discovery_rate",
                share(*new, *clicks),
                *clicks,
            )
            .in_arm(arm),
        );
    }
    out
}

/// Earlier touches of products by the browsers and customers active in `today`.
async fn history(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    today: &[Touch],
    before: DateTime<Utc>,
) -> Result<Vec<Touch>, DbErr> {
    let browsers: HashSet<String> = today.iter().map(|t| t.anonymous_id.clone()).collect();
    let customers: HashSet<i64> = today.iter().filter_map(|t| t.customer_id).collect();
    let mut out = Vec::new();
    for ids in chunks(browsers) {
        let shoppers = Condition::all().add(event::Column::AnonymousId.is_in(ids));
        out.extend(touches(conn, shop_id, shoppers, None, before).await?);
    }
    for ids in chunks(customers) {
        let shoppers = Condition::all().add(event::Column::CustomerId.is_in(ids));
        out.extend(touches(conn, shop_id, shoppers, None, before).await?);
    }
    Ok(out)
}
