//! The demo shop's behaviour (simulated sessions and orders) and category adjacency as
//! table rows; the catalog itself enters through the bulk JSONL ingest.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use demo::DemoShop;
use entity::{category_adjacency, event, order, order_line};
use sea_orm::ActiveValue::{NotSet, Set};

use super::jsonl::category_key;

/// Behaviour and adjacency rows, grouped by table.
#[derive(Default)]
pub struct DemoRows {
    pub adjacency: Vec<category_adjacency::ActiveModel>,
    pub events: Vec<event::ActiveModel>,
    pub orders: Vec<order::ActiveModel>,
    pub order_lines: Vec<order_line::ActiveModel>,
}

/// Timestamps in the generator are unix seconds; out-of-range ones fall back to the epoch.
pub fn timestamp(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

impl DemoRows {
    /// Builds the rows for `shop` stored under `shop_id`, stamped `now`.
    pub fn build(shop: &DemoShop, shop_id: i64, now: DateTime<Utc>) -> Self {
        let mut rows = Self::default();
        rows.add_adjacency(shop, shop_id);
        rows.add_sessions(shop, shop_id, now);
        rows.add_orders(shop, shop_id);
        rows
    }

    /// Number of rows, for progress reporting.
    pub fn len(&self) -> usize {
        self.adjacency.len() + self.events.len() + self.orders.len() + self.order_lines.len()
    }

    /// The generator knows which leaves go together; a real shop learns it from co-purchases.
    fn add_adjacency(&mut self, shop: &DemoShop, shop_id: i64) {
        for cat in &shop.categories {
            for adjacent in &cat.adjacent {
                self.adjacency.push(category_adjacency::ActiveModel {
                    shop_id: Set(shop_id),
                    category_id: Set(category_key(cat.id)),
                    adjacent_id: Set(category_key(*adjacent)),
                    source: Set("demo".into()),
                    weight: Set(1.0),
                });
            }
        }
    }

    fn add_sessions(&mut self, shop: &DemoShop, shop_id: i64, now: DateTime<Utc>) {
        for session in &shop.sessions {
            for ev in &session.events {
                self.events.push(event::ActiveModel {
                    id: NotSet,
                    shop_id: Set(shop_id),
                    client_event_id: Set(None),
                    kind: Set(ev.kind.as_str().to_owned()),
                    anonymous_id: Set(session.anonymous_id.clone()),
                    customer_id: Set(session.customer_id),
                    session_id: Set(session.id.clone()),
                    product_id: Set(ev.product_id),
                    variant_id: Set(ev.variant_id),
                    query: Set(ev.query.clone()),
                    surface: Set(None),
                    rec_id: Set(None),
                    impression_id: Set(None),
                    position: Set(None),
                    propensity: Set(None),
                    traffic_source: Set(Some(session.referrer.clone())),
                    device: Set(Some(session.device.clone())),
                    occurred_at: Set(timestamp(ev.at)),
                    received_at: Set(now),
                });
            }
        }
    }

    fn add_orders(&mut self, shop: &DemoShop, shop_id: i64) {
        let browsers: HashMap<&str, &str> = shop
            .sessions
            .iter()
            .map(|s| (s.id.as_str(), s.anonymous_id.as_str()))
            .collect();
        for ord in &shop.orders {
            let total: i64 = ord
                .lines
                .iter()
                .map(|line| line.price_cents * line.quantity)
                .sum();
            self.orders.push(order::ActiveModel {
                shop_id: Set(shop_id),
                id: Set(ord.id),
                customer_id: Set(ord.customer_id),
                session_id: Set(Some(ord.session_id.clone())),
                anonymous_id: Set(browsers
                    .get(ord.session_id.as_str())
                    .map(|aid| (*aid).to_owned())),
                currency: Set(shop.currency.clone()),
                total_minor: Set(total),
                placed_at: Set(timestamp(ord.created_at)),
            });
            for (line_no, line) in (1_i32..).zip(&ord.lines) {
                self.order_lines.push(order_line::ActiveModel {
                    shop_id: Set(shop_id),
                    order_id: Set(ord.id),
                    line_no: Set(line_no),
                    product_id: Set(Some(line.product_id)),
                    variant_id: Set(Some(line.variant_id)),
                    quantity: Set(line.quantity),
                    price_minor: Set(line.price_cents),
                });
            }
        }
    }
}
