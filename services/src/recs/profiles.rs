//! Known shopper profiles for the precompute: everyone who viewed, carted or bought in the
//! last 30 days, keyed by customer when the anonymous id is linked to one (so a shopper's
//! devices share a profile) and by anonymous id otherwise.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{event, shopper_identity};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::precompute::Profile;

/// How far back a shopper counts as known.
pub const PROFILE_WINDOW_DAYS: i64 = 30;
/// Products remembered per profile.
pub const PROFILE_PRODUCTS: usize = 5;
/// Most recent events read; bounds the work for very busy shops.
const MAX_EVENTS: u64 = 500_000;
/// Profiles precomputed at most, the most recently active first.
pub const MAX_PROFILES: usize = 50_000;

/// The profile id of a logged-in customer.
#[must_use]
pub fn customer_profile(customer_id: i64) -> String {
    format!("customer:{customer_id}")
}

/// The profile id of an anonymous browser.
#[must_use]
pub fn anonymous_profile(anonymous_id: &str) -> String {
    format!("anon:{anonymous_id}")
}

/// The shop's known profiles, the most recently active first.
///
/// # Errors
/// The database error.
pub async fn load(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Profile>, DbErr> {
    let linked: HashMap<String, i64> = shopper_identity::Entity::find()
        .filter(shopper_identity::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|link| (link.anonymous_id, link.customer_id))
        .collect();
    // Only the three columns a profile is made of: at 500,000 events, reading whole rows
    // took most of the load.
    let events: Vec<(String, Option<i64>, Option<i64>)> = event::Entity::find()
        .select_only()
        .columns([
            event::Column::AnonymousId,
            event::Column::CustomerId,
            event::Column::ProductId,
        ])
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::Kind.is_in(["view", "add_to_cart", "purchase"]))
        .filter(event::Column::ProductId.is_not_null())
        .filter(event::Column::OccurredAt.gte(now - Duration::days(PROFILE_WINDOW_DAYS)))
        .order_by_desc(event::Column::OccurredAt)
        .limit(MAX_EVENTS)
        .into_tuple()
        .all(conn)
        .await?;
    let mut order: Vec<String> = Vec::new();
    let mut products: HashMap<String, Vec<i64>> = HashMap::new();
    for (anonymous_id, customer_id, product_id) in events {
        let Some(product) = product_id else {
            continue;
        };
        let customer = customer_id.or_else(|| linked.get(&anonymous_id).copied());
        let id = customer.map_or_else(|| anonymous_profile(&anonymous_id), customer_profile);
        let seen = products.entry(id.clone()).or_insert_with(|| {
            order.push(id);
            Vec::new()
        });
        if seen.len() < PROFILE_PRODUCTS && !seen.contains(&product) {
            seen.push(product);
        }
    }
    Ok(order
        .into_iter()
        .take(MAX_PROFILES)
        .filter_map(|id| {
            let products = products.remove(&id)?;
            Some(Profile { id, products })
        })
        .collect())
}
