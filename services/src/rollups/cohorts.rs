//! Customer cohorts by the month of their first order, computed on read from the orders
//! (kept for good, unlike events, and one indexed scan of three columns per shop):
//! - **LTV at 60, 90 and 180 days**: the revenue of the cohort's orders placed within N days
//!   of each customer's first order, per customer. A cohort is complete for N once the last
//!   day of its month is N days past; a younger cohort's value is `None` (shown as
//!   incomplete, never as zero).
//! - **Time to next purchase**: the median days between a customer's consecutive orders,
//!   grouped by the month of the earlier order of each pair.
//!
//! A customer is the Shopify customer when the order carries one, else the storefront
//! browser it was placed from; orders with neither (other channels) cannot be followed and
//! are left out.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use entity::order;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

/// The LTV windows, in days.
pub const LTV_DAYS: [u32; 3] = [60, 90, 180];

/// One order as the cohorts read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    /// `c:<customer id>` or `b:<browser id>`.
    pub customer: String,
    /// When it was placed.
    pub at: DateTime<Utc>,
    /// Its total, minor units.
    pub total_minor: i64,
}

/// One first-order month's LTV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortLtv {
    /// `YYYY-MM`.
    pub month: String,
    /// Customers whose first order fell in the month.
    pub customers: i64,
    /// Per window of [`LTV_DAYS`]: revenue per customer (minor units), `None` while the
    /// cohort is too young for the window.
    pub ltv: Vec<LtvPoint>,
}

/// One window of a cohort's LTV.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LtvPoint {
    /// Days after each customer's first order.
    pub days: u32,
    /// Revenue per customer, minor units; `None`: incomplete.
    pub value_minor: Option<f64>,
}

/// One month's time to next purchase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextPurchase {
    /// `YYYY-MM` of the earlier order of each pair.
    pub month: String,
    /// Pairs of consecutive orders.
    pub repeats: i64,
    /// Median days between them.
    pub median_days: f64,
}

/// An order as read for cohorts: customer, browser, when, total.
type OrderRow = (Option<i64>, Option<String>, DateTime<Utc>, i64);

/// The shop's orders that can be followed, oldest first.
///
/// # Errors
/// The database error.
pub async fn purchases(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Vec<Purchase>, DbErr> {
    let rows: Vec<OrderRow> = order::Entity::find()
        .select_only()
        .columns([
            order::Column::CustomerId,
            order::Column::AnonymousId,
            order::Column::PlacedAt,
            order::Column::TotalMinor,
        ])
        .filter(order::Column::ShopId.eq(shop_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: Vec<Purchase> = rows
        .into_iter()
        .filter_map(|(customer, browser, at, total_minor)| {
            let customer = match (customer, browser) {
                (Some(c), _) => format!("c:{c}"),
                (None, Some(b)) => format!("b:{b}"),
                (None, None) => return None,
            };
            Some(Purchase {
                customer,
                at,
                total_minor,
            })
        })
        .collect();
    out.sort_by_key(|p| p.at);
    Ok(out)
}

/// `YYYY-MM` of `at`.
fn month_of(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", at.year(), at.month())
}

/// Each customer's orders, oldest first (given `purchases` oldest first).
fn by_customer(purchases: &[Purchase]) -> HashMap<&str, Vec<&Purchase>> {
    let mut out: HashMap<&str, Vec<&Purchase>> = HashMap::new();
    for p in purchases {
        out.entry(p.customer.as_str()).or_default().push(p);
    }
    out
}

/// LTV per first-order month, oldest first, as of `today` (UTC).
#[must_use]
pub fn ltv(purchases: &[Purchase], today: NaiveDate) -> Vec<CohortLtv> {
    // month → (customers, revenue within each window)
    let mut months: BTreeMap<String, (i64, [i64; LTV_DAYS.len()])> = BTreeMap::new();
    let mut starts: BTreeMap<String, NaiveDate> = BTreeMap::new();
    for orders in by_customer(purchases).values() {
        let Some(first) = orders.first() else {
            continue;
        };
        let month = month_of(first.at);
        let entry = months.entry(month.clone()).or_default();
        entry.0 += 1;
        for (i, days) in LTV_DAYS.iter().enumerate() {
            let end = first.at + chrono::Duration::days(i64::from(*days));
            entry.1[i] += orders
                .iter()
                .filter(|o| o.at < end)
                .map(|o| o.total_minor)
                .sum::<i64>();
        }
        starts.insert(month, first.at.date_naive().with_day(1).unwrap_or_default());
    }
    months
        .into_iter()
        .map(|(month, (customers, revenue))| {
            let start = starts.get(&month).copied().unwrap_or_default();
            let ltv = LTV_DAYS
                .iter()
                .zip(revenue)
                .map(|(days, revenue)| LtvPoint {
                    days: *days,
                    value_minor: complete(start, *days, today)
                        .then(|| revenue as f64 / customers.max(1) as f64),
                })
                .collect();
            CohortLtv {
                month,
                customers,
                ltv,
            }
        })
        .collect()
}

/// Whether every customer of the month starting `start` has had `days` full days by `today`:
/// the month's last first order (before the next month's first midnight) plus the window.
fn complete(start: NaiveDate, days: u32, today: NaiveDate) -> bool {
    start
        .checked_add_months(Months::new(1))
        .and_then(|next| next.checked_add_days(Days::new(u64::from(days))))
        .is_some_and(|done| done <= today)
}

/// Median days between consecutive orders of a customer, per month of the earlier order,
/// oldest first; months without a repeat are left out.
#[must_use]
pub fn next_purchase(purchases: &[Purchase]) -> Vec<NextPurchase> {
    let mut gaps: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for orders in by_customer(purchases).values() {
        for pair in orders.windows(2) {
            if let [earlier, later] = pair {
                let days = (later.at - earlier.at).num_seconds() as f64 / 86_400.0;
                gaps.entry(month_of(earlier.at)).or_default().push(days);
            }
        }
    }
    gaps.into_iter()
        .map(|(month, mut days)| {
            days.sort_by(f64::total_cmp);
            NextPurchase {
                month,
                repeats: i64::try_from(days.len()).unwrap_or(i64::MAX),
                median_days: median(&days),
            }
        })
        .collect()
}

/// The median of sorted values (0 for none).
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str) -> DateTime<Utc> {
        format!("{date}T12:00:00Z").parse().unwrap()
    }

    fn buy(customer: &str, date: &str, total: i64) -> Purchase {
        Purchase {
            customer: customer.into(),
            at: at(date),
            total_minor: total,
        }
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
    }

    #[test]
    fn a_cohort_is_complete_once_its_last_day_is_the_window_past() {
        let june = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        // July 1st + 60 days = August 30th.
        assert!(!complete(
            june,
            60,
            NaiveDate::from_ymd_opt(2026, 8, 29).unwrap()
        ));
        assert!(complete(
            june,
            60,
            NaiveDate::from_ymd_opt(2026, 8, 30).unwrap()
        ));
    }

    #[test]
    fn ltv_counts_orders_within_the_window_of_each_first_order() {
        let orders = [
            buy("c:1", "2026-01-10", 100),
            buy("c:1", "2026-02-20", 50), // day 41: in all windows
            buy("c:1", "2026-05-01", 30), // day 111: 180 only
            buy("c:2", "2026-01-31", 200),
        ];
        let cohorts = ltv(&orders, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(cohorts.len(), 1);
        let values: Vec<Option<f64>> = cohorts[0].ltv.iter().map(|p| p.value_minor).collect();
        assert_eq!(values, [Some(175.0), Some(175.0), Some(190.0)]);
        assert_eq!(cohorts[0].customers, 2);
    }
}
