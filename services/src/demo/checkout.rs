//! Orders placed through the demo storefront's checkout, stored as an `orders/create` webhook
//! would store them, with the shopper ids a real cart carries in its attributes.

use chrono::{DateTime, Utc};
use common::database::begin_write;
use entity::{order, order_line};
use sea_orm::ActiveValue::Set;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

/// One line of a demo order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOrderLine {
    /// Product bought.
    pub product_id: i64,
    /// Variant bought.
    pub variant_id: Option<i64>,
    /// Units.
    pub quantity: i64,
    /// Price of one unit, minor units.
    pub unit_minor: i64,
}

/// Stores an order and its lines in one transaction; returns its id. The storefront's
/// session id doubles as the anonymous id in the demo (its visitor cookie is both).
///
/// # Errors
/// The database error; nothing is stored then.
pub async fn place_order(
    conn: &DatabaseConnection,
    shop_id: i64,
    session_id: &str,
    currency: &str,
    lines: &[DemoOrderLine],
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let id = order_id(now);
    let total: i64 = lines.iter().map(|l| l.unit_minor * l.quantity).sum();
    let txn = begin_write(conn).await?;
    order::Entity::insert(order::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        customer_id: Set(None),
        session_id: Set(Some(session_id.to_owned())),
        anonymous_id: Set(Some(session_id.to_owned())),
        currency: Set(currency.to_owned()),
        total_minor: Set(total),
        placed_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    if !lines.is_empty() {
        let rows = (1_i32..)
            .zip(lines)
            .map(|(line_no, l)| order_line::ActiveModel {
                shop_id: Set(shop_id),
                order_id: Set(id),
                line_no: Set(line_no),
                product_id: Set(Some(l.product_id)),
                variant_id: Set(l.variant_id),
                quantity: Set(l.quantity),
                price_minor: Set(l.unit_minor),
            });
        order_line::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(id)
}

/// A Shopify-like 16-digit id, increasing with time: microseconds since the epoch with three
/// random digits, so two checkouts in the same microsecond still differ.
fn order_id(now: DateTime<Utc>) -> i64 {
    let micros = now.timestamp_micros().rem_euclid(10_i64.pow(13));
    micros * 1_000 + rand::random_range(0..1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_increase_with_time() {
        let earlier: DateTime<Utc> = "2026-12-04T10:00:00Z".parse().unwrap();
        let later: DateTime<Utc> = "2026-12-04T10:00:01Z".parse().unwrap();
        assert!(order_id(earlier) < order_id(later));
        assert!(order_id(later) > 0);
    }
}
