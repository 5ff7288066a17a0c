//! Repeat visits: of the shoppers seen on a day, the share who came back (any storefront
//! event) within the next 7, 30 or 60 days. A shopper is the customer when known — on any of
//! the day's events of their browser — else the browser; a customer comes back under any
//! browser. The share of a day is known only once its window has passed, so the rollup of
//! day D writes the 7-day share of D − 7, the 30-day share of D − 30 and the 60-day share of
//! D − 60, each under the day it is about. Each experiment arm that served impressions on that
//! day gets the same share of the shoppers it served, under its arm key.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{event, impression};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::stats::share;
use super::{ALL_SURFACES, Metric, Span, arm_key};

/// The windows, in days, and their metric names.
pub const REPEAT_WINDOWS: [(u32, &str); 3] = [
    (7, "repeat_visit_7d"),
    (30, "repeat_visit_30d"),
    (60, "repeat_visit_60d"),
];

/// One event's identities.
type Visitor = (String, Option<i64>);

/// The repeat-visit rows whose window ends with `day`, each dated the day it is about.
///
/// # Errors
/// The database error.
pub(super) async fn repeat_visits(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    day: NaiveDate,
) -> Result<Vec<(NaiveDate, Metric)>, DbErr> {
    let end = Span::of(day).end;
    let mut out = Vec::new();
    for (days, name) in REPEAT_WINDOWS {
        let Some(first) = day.checked_sub_days(Days::new(u64::from(days))) else {
            continue;
        };
        let span = Span::of(first);
        let seen = visitors(conn, shop_id, span.start, span.end).await?;
        let back = visitors(conn, shop_id, span.end, end).await?;
        let metric = |seen: &[Visitor]| {
            let (came_back, shoppers) = returned(seen, &back);
            Metric::new(ALL_SURFACES, name, share(came_back, shoppers), shoppers)
        };
        out.push((first, metric(&seen)));
        for (arm, served) in arm_visitors(conn, shop_id, span.start, span.end).await? {
            out.push((first, metric(&served).in_arm(&arm)));
        }
    }
    Ok(out)
}

/// Per experiment arm, the distinct `(browser, customer)` pairs it served in `[from, to)`.
async fn arm_visitors(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<BTreeMap<String, Vec<Visitor>>, DbErr> {
    use impression::Column as I;
    let rows: Vec<(i64, String, String, Option<i64>)> = impression::Entity::find()
        .select_only()
        .columns([I::ExperimentId, I::Arm, I::AnonymousId, I::CustomerId])
        .distinct()
        .filter(I::ShopId.eq(shop_id))
        .filter(impression::served_from(from))
        .filter(impression::served_before(to))
        .filter(I::ExperimentId.is_not_null())
        .filter(I::Arm.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: BTreeMap<String, Vec<Visitor>> = BTreeMap::new();
    for (experiment, arm, browser, customer) in rows {
        out.entry(arm_key(experiment, &arm))
            .or_default()
            .push((browser, customer));
    }
    Ok(out)
}

/// Distinct `(browser, customer)` pairs of the shop's events in `[from, to)`.
async fn visitors(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Visitor>, DbErr> {
    event::Entity::find()
        .select_only()
        .columns([event::Column::AnonymousId, event::Column::CustomerId])
        .distinct()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::OccurredAt.gte(from))
        .filter(event::Column::OccurredAt.lt(to))
        .into_tuple()
        .all(conn)
        .await
}

/// `(shoppers of seen who appear in back, shoppers of seen)`.
fn returned(seen: &[Visitor], back: &[Visitor]) -> (i64, i64) {
    let customer_of: HashMap<&str, i64> = seen
        .iter()
        .filter_map(|(browser, customer)| Some((browser.as_str(), (*customer)?)))
        .collect();
    // Each shopper once: a customer with every browser they used that day, or a browser.
    let mut customers: HashMap<i64, HashSet<&str>> = HashMap::new();
    let mut browsers: HashSet<&str> = HashSet::new();
    for (browser, customer) in seen {
        match customer.or_else(|| customer_of.get(browser.as_str()).copied()) {
            Some(c) => {
                customers.entry(c).or_default().insert(browser);
            }
            None => {
                browsers.insert(browser);
            }
        }
    }
    let back_browsers: HashSet<&str> = back.iter().map(|(b, _)| b.as_str()).collect();
    let back_customers: HashSet<i64> = back.iter().filter_map(|(_, c)| *c).collect();
    let came_back = customers
        .iter()
        .filter(|(c, used)| {
            back_customers.contains(c) || used.iter().any(|b| back_browsers.contains(b))
        })
        .count()
        + browsers
            .iter()
            .filter(|b| back_browsers.contains(*b))
            .count();
    let total = customers.len() + browsers.len();
    (
        i64::try_from(came_back).unwrap_or(i64::MAX),
        i64::try_from(total).unwrap_or(i64::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(browser: &str, customer: Option<i64>) -> Visitor {
        (browser.to_owned(), customer)
    }

    #[test]
    fn a_customer_on_two_browsers_is_one_shopper_who_may_return_on_either() {
        let seen = [
            v("a", Some(7)),
            v("a", None), // before logging in: still customer 7
            v("b", Some(7)),
            v("c", None),
            v("d", None),
        ];
        let back = [v("z", Some(7)), v("d", None)];
        // Shoppers: customer 7, browser c, browser d; 7 and d came back.
        assert_eq!(returned(&seen, &back), (2, 3));
        assert_eq!(returned(&seen, &[]), (0, 3));
        assert_eq!(returned(&[], &back), (0, 0));
    }
}
