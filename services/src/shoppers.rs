//! The shoppers a merchant can preview lists for: customers and anonymous browsers with
//! recent events, most recently seen first.

use chrono::{DateTime, Duration, Utc};
use entity::event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

/// How far back a shopper counts as recent.
const RECENT_DAYS: i64 = 30;

/// A shopper with recent events: a customer, or a browser no customer was seen on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentShopper {
    /// The Shopify customer, when known.
    pub customer_id: Option<i64>,
    /// The browser's anonymous id, for a shopper without a customer.
    pub anonymous_id: Option<String>,
    /// Events in the recent window.
    pub events: i64,
    /// The latest event.
    pub last_seen: DateTime<Utc>,
}

/// Up to `limit` shoppers of `shop_id` with events in the last [`RECENT_DAYS`] days
/// before `now`, customers and anonymous browsers together, most recently seen first.
///
/// # Errors
/// The database's.
pub async fn recent(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<Vec<RecentShopper>, DbErr> {
    let since = now - Duration::days(RECENT_DAYS);
    let recent = || {
        event::Entity::find()
            .select_only()
            .column_as(event::Column::Id.count(), "events")
            .column_as(event::Column::OccurredAt.max(), "last_seen")
            .filter(event::Column::ShopId.eq(shop_id))
            .filter(event::Column::OccurredAt.gte(since))
            .order_by(event::Column::OccurredAt.max(), Order::Desc)
            .limit(limit)
    };
    let customers: Vec<(i64, DateTime<Utc>, i64)> = recent()
        .column(event::Column::CustomerId)
        .filter(event::Column::CustomerId.is_not_null())
        .group_by(event::Column::CustomerId)
        .into_tuple()
        .all(conn)
        .await?;
    let browsers: Vec<(i64, DateTime<Utc>, String)> = recent()
        .column(event::Column::AnonymousId)
        .filter(event::Column::CustomerId.is_null())
        .group_by(event::Column::AnonymousId)
        .into_tuple()
        .all(conn)
        .await?;
    let mut shoppers: Vec<RecentShopper> = customers
        .into_iter()
        .map(|(events, last_seen, customer)| RecentShopper {
            customer_id: Some(customer),
            anonymous_id: None,
            events,
            last_seen,
        })
        .chain(
            browsers
                .into_iter()
                .map(|(events, last_seen, anonymous)| RecentShopper {
                    customer_id: None,
                    anonymous_id: Some(anonymous),
                    events,
                    last_seen,
                }),
        )
        .collect();
    shoppers.sort_by_key(|s| std::cmp::Reverse(s.last_seen));
    shoppers.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(shoppers)
}
