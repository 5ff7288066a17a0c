//! Behaviour as training data for the candidate models.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use common::settings::TRAINING_HISTORY_DAYS;
use entity::{event, order, order_line};
use ranker::Catalog;
use ranker::candidates::cooccurrence::Interaction;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// Session interactions and order baskets, in the ranker's dense ids.
pub struct TrainingData {
    /// One unit per session: views, add-to-carts, clicks, purchases.
    pub interactions: Vec<Interaction>,
    /// One unit per order.
    pub purchases: Vec<Interaction>,
}

/// Stronger actions say more about what goes together (and, for email, about taste).
pub(crate) fn weight(kind: &str) -> Option<f32> {
    match kind {
        "view" | "click" => Some(1.0),
        "add_to_cart" => Some(3.0),
        "purchase" => Some(5.0),
        _ => None,
    }
}

/// Loads the shop's recent behaviour for `catalog`'s products.
///
/// # Errors
/// The database error.
pub async fn load(
    conn: &DatabaseConnection,
    shop_id: i64,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<TrainingData, DbErr> {
    // Events are kept at least this long (settings validation), so the window is whole.
    let since = now - Duration::days(i64::from(TRAINING_HISTORY_DAYS));
    let events: Vec<(String, String, Option<i64>, DateTime<Utc>)> = event::Entity::find()
        .select_only()
        .columns([
            event::Column::SessionId,
            event::Column::Kind,
            event::Column::ProductId,
            event::Column::OccurredAt,
        ])
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::OccurredAt.gte(since))
        .filter(event::Column::ProductId.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let mut sessions: HashMap<String, u32> = HashMap::new();
    let mut interactions = Vec::with_capacity(events.len());
    for (session, kind, product, at) in events {
        let (Some(weight), Some(item)) = (weight(&kind), product.and_then(|p| catalog.id_of(p)))
        else {
            continue;
        };
        let next = u32::try_from(sessions.len()).unwrap_or(u32::MAX);
        let user = *sessions.entry(session).or_insert(next);
        interactions.push(Interaction {
            user,
            item,
            weight,
            at: at.timestamp(),
        });
    }
    Ok(TrainingData {
        interactions,
        purchases: purchases(conn, shop_id, catalog, since).await?,
    })
}

async fn purchases(
    conn: &DatabaseConnection,
    shop_id: i64,
    catalog: &Catalog,
    since: DateTime<Utc>,
) -> Result<Vec<Interaction>, DbErr> {
    let placed: HashMap<i64, i64> = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::PlacedAt.gte(since))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.placed_at.timestamp()))
        .collect();
    let lines: Vec<(i64, Option<i64>)> = order_line::Entity::find()
        .select_only()
        .columns([order_line::Column::OrderId, order_line::Column::ProductId])
        .filter(order_line::Column::ShopId.eq(shop_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut orders: HashMap<i64, u32> = HashMap::new();
    let mut purchases = Vec::new();
    for (order_id, product) in lines {
        let (Some(at), Some(item)) = (
            placed.get(&order_id),
            product.and_then(|p| catalog.id_of(p)),
        ) else {
            continue;
        };
        let next = u32::try_from(orders.len()).unwrap_or(u32::MAX);
        let user = *orders.entry(order_id).or_insert(next);
        purchases.push(Interaction {
            user,
            item,
            weight: 1.0,
            at: *at,
        });
    }
    Ok(purchases)
}
