//! The `meander_favourite_category` profile property: the leaf category a customer's recent
//! signals lean to, as the key of that category's cohort in the web feeds, so a template
//! can show "new arrivals in your favourite category" per person:
//! `feeds.new_arrivals.cohorts[person.meander_favourite_category]`.
//!
//! Defined over the customer's product views, adds to cart and purchases of the profile
//! window (30 days, as the lists), on any device linked to the customer: each signal adds
//! its training weight (view 1, add to cart 3, purchase 5) to its product's leaf category;
//! the highest total wins, a tie goes to the category signalled last. Products without a
//! category count for none, and a customer without any signal gets no property.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{event, product, shopper_identity};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

use super::feeds::category_key;
use crate::recs::profiles::PROFILE_WINDOW_DAYS;
use crate::recs::training::weight;

/// The profile property.
pub(super) const PROPERTY: &str = "meander_favourite_category";

/// Customers per query.
const CHUNK: usize = 500;

/// A customer's signal as read: product, event kind, time.
type Row = (i64, String, DateTime<Utc>);
/// An event row: anonymous id, customer id, product id, kind, time.
type EventRow = (String, Option<i64>, Option<i64>, String, DateTime<Utc>);

/// One signal of a customer: its category key, weight and time.
#[derive(Debug, Clone)]
pub(super) struct Signal {
    pub category: String,
    pub weight: f32,
    pub at: DateTime<Utc>,
}

/// The favourite category of `signals`: highest total weight, ties to the latest signal,
/// then to the key (so the answer never depends on the order of the rows).
pub(super) fn favourite(signals: &[Signal]) -> Option<String> {
    let mut totals: HashMap<&str, (f32, DateTime<Utc>)> = HashMap::new();
    for signal in signals {
        let entry = totals
            .entry(signal.category.as_str())
            .or_insert((0.0, signal.at));
        entry.0 += signal.weight;
        entry.1 = entry.1.max(signal.at);
    }
    totals
        .into_iter()
        .max_by(|a, b| {
            (a.1.0.total_cmp(&b.1.0))
                .then(a.1.1.cmp(&b.1.1))
                .then(b.0.cmp(a.0))
        })
        .map(|(key, _)| key.to_owned())
}

/// The favourite category of each of `customers` that has one.
///
/// # Errors
/// The database error.
pub(super) async fn favourites(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    customers: &[i64],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, String>, DbErr> {
    let mut signals: HashMap<i64, Vec<Row>> = HashMap::new();
    for chunk in customers.chunks(CHUNK) {
        for (customer, row) in signals_of(conn, shop_id, chunk, now).await? {
            signals.entry(customer).or_default().push(row);
        }
    }
    let products: Vec<i64> = signals.values().flatten().map(|s| s.0).collect();
    let categories = category_keys(conn, shop_id, &products).await?;
    Ok(signals
        .into_iter()
        .filter_map(|(customer, rows)| {
            let weighed: Vec<Signal> = rows
                .into_iter()
                .filter_map(|(product, kind, at)| {
                    Some(Signal {
                        category: categories.get(&product)?.clone(),
                        weight: weight(&kind)?,
                        at,
                    })
                })
                .collect();
            Some((customer, favourite(&weighed)?))
        })
        .collect())
}

/// The window's signals of `customers`, as (customer, (product, kind, time)).
async fn signals_of(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    customers: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<(i64, Row)>, DbErr> {
    let linked: HashMap<String, i64> = shopper_identity::Entity::find()
        .filter(shopper_identity::Column::ShopId.eq(shop_id))
        .filter(shopper_identity::Column::CustomerId.is_in(customers.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|link| (link.anonymous_id, link.customer_id))
        .collect();
    let rows: Vec<EventRow> = event::Entity::find()
        .select_only()
        .columns([
            event::Column::AnonymousId,
            event::Column::CustomerId,
            event::Column::ProductId,
            event::Column::Kind,
            event::Column::OccurredAt,
        ])
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::Kind.is_in(["view", "add_to_cart", "purchase"]))
        .filter(event::Column::OccurredAt.gte(now - Duration::days(PROFILE_WINDOW_DAYS)))
        .filter(
            Condition::any()
                .add(event::Column::CustomerId.is_in(customers.iter().copied()))
                .add(event::Column::AnonymousId.is_in(linked.keys().cloned())),
        )
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(anonymous_id, customer, product, kind, at)| {
            let customer = customer.or_else(|| linked.get(&anonymous_id).copied())?;
            Some((customer, (product?, kind, at)))
        })
        .collect())
}

/// The cohort key of each product's leaf category, for the products that have one.
async fn category_keys(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    products: &[i64],
) -> Result<HashMap<i64, String>, DbErr> {
    let paths = crate::catalog::view::category_paths(conn, shop_id).await?;
    let mut keys = HashMap::new();
    let mut unique = products.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for chunk in unique.chunks(CHUNK) {
        let rows: Vec<(i64, Option<String>)> = product::Entity::find()
            .select_only()
            .columns([product::Column::Id, product::Column::CategoryId])
            .filter(product::Column::ShopId.eq(shop_id))
            .filter(product::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, category) in rows {
            if let Some(path) = category.and_then(|c| paths.get(&c)) {
                let names: Vec<&str> = path.split(" > ").collect();
                keys.insert(id, category_key(&names));
            }
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(minute)
    }

    fn signal(category: &str, kind: &str, minute: i64) -> Signal {
        Signal {
            category: category.into(),
            weight: weight(kind).unwrap_or_default(),
            at: at(minute),
        }
    }

    #[test]
    fn stronger_signals_outweigh_more_views() {
        let signals = [
            signal("apparel_boots", "view", 1),
            signal("apparel_boots", "view", 2),
            signal("home_kitchen", "purchase", 0),
        ];

        assert_eq!(favourite(&signals).as_deref(), Some("home_kitchen"));
    }

    #[test]
    fn a_tie_goes_to_the_category_signalled_last() {
        let signals = [
            signal("home_kitchen", "add_to_cart", 1),
            signal("apparel_boots", "add_to_cart", 5),
        ];
        let reversed = [signals[1].clone(), signals[0].clone()];

        assert_eq!(favourite(&signals).as_deref(), Some("apparel_boots"));
        assert_eq!(favourite(&reversed).as_deref(), Some("apparel_boots"));
    }

    #[test]
    fn no_signals_no_favourite() {
        assert_eq!(favourite(&[]), None);
    }
}
