//! Turns the generated demo shop into table rows.

use chrono::{DateTime, Utc};
use demo::{DemoShop, Product};
use entity::{
    category, category_adjacency, collection, event, inventory, order, order_line, product,
    product_collection, variant,
};
use sea_orm::ActiveValue::{NotSet, Set};
use serde_json::json;

/// Every row of the demo shop except the shop itself, grouped by table.
#[derive(Default)]
pub struct DemoRows {
    pub categories: Vec<category::ActiveModel>,
    pub adjacency: Vec<category_adjacency::ActiveModel>,
    pub products: Vec<product::ActiveModel>,
    pub variants: Vec<variant::ActiveModel>,
    pub inventory: Vec<inventory::ActiveModel>,
    pub collections: Vec<collection::ActiveModel>,
    pub memberships: Vec<product_collection::ActiveModel>,
    pub events: Vec<event::ActiveModel>,
    pub orders: Vec<order::ActiveModel>,
    pub order_lines: Vec<order_line::ActiveModel>,
}

/// Demo category ids are small integers; prefixing keeps them apart from taxonomy ids.
pub fn category_key(id: u32) -> String {
    format!("demo-{id}")
}

/// Timestamps in the generator are unix seconds; out-of-range ones fall back to the epoch.
pub fn timestamp(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

impl DemoRows {
    /// Builds all rows for `shop` stored under `shop_id`, stamped `now`.
    pub fn build(shop: &DemoShop, shop_id: i64, now: DateTime<Utc>) -> Self {
        let mut rows = Self::default();
        rows.add_categories(shop, shop_id);
        for item in &shop.products {
            rows.add_product(shop, shop_id, item, now);
        }
        rows.add_collections(shop, shop_id, now);
        rows.add_sessions(shop, shop_id, now);
        rows.add_orders(shop, shop_id);
        rows
    }

    /// Number of rows, for progress reporting.
    pub fn len(&self) -> usize {
        self.categories.len()
            + self.adjacency.len()
            + self.products.len()
            + self.variants.len()
            + self.inventory.len()
            + self.collections.len()
            + self.memberships.len()
            + self.events.len()
            + self.orders.len()
            + self.order_lines.len()
    }

    fn add_categories(&mut self, shop: &DemoShop, shop_id: i64) {
        let depth_of = |parent: Option<u32>| i32::from(parent.is_some());
        for cat in &shop.categories {
            self.categories.push(category::ActiveModel {
                shop_id: Set(shop_id),
                id: Set(category_key(cat.id)),
                name: Set(cat.name.clone()),
                parent_id: Set(cat.parent.map(category_key)),
                full_path: Set(cat.path.clone()),
                depth: Set(depth_of(cat.parent)),
            });
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

    fn add_product(&mut self, shop: &DemoShop, shop_id: i64, item: &Product, now: DateTime<Utc>) {
        let brand = shop.brands.iter().find(|brand| brand.id == item.brand_id);
        let published = timestamp(item.created_at);
        self.products.push(product::ActiveModel {
            shop_id: Set(shop_id),
            id: Set(item.id),
            handle: Set(item.handle.clone()),
            title: Set(item.title.clone()),
            description: Set(item.description.clone()),
            product_type: Set(item.product_type.clone()),
            vendor: Set(item.vendor.clone()),
            brand: Set(brand.map_or_else(|| item.vendor.clone(), |brand| brand.name.clone())),
            category_id: Set(Some(category_key(item.category_id))),
            tags: Set(json!(item.tags)),
            attributes: Set(json!({
                "image_hue": item.image_hue,
                "price_tier": brand.map(|brand| brand.tier.as_str()),
            })),
            status: Set(item.status.as_str().to_owned()),
            image_url: Set(None),
            published_at: Set(published),
            source_updated_at: Set(published),
            deleted_at: Set(None),
        });
        for (position, var) in (1_i32..).zip(&item.variants) {
            self.variants.push(variant::ActiveModel {
                shop_id: Set(shop_id),
                id: Set(var.id),
                product_id: Set(item.id),
                title: Set(var.title.clone()),
                sku: Set(Some(var.sku.clone())),
                options: Set(json!(var.options)),
                price_minor: Set(var.price_cents),
                compare_at_price_minor: Set(var.compare_at_price_cents),
                position: Set(position),
                source_updated_at: Set(published),
            });
            self.inventory.push(inventory::ActiveModel {
                shop_id: Set(shop_id),
                variant_id: Set(var.id),
                inventory_item_id: Set(None),
                available: Set(var.inventory_available),
                unit_cost_minor: Set(var.unit_cost_cents),
                updated_at: Set(now),
            });
        }
    }

    fn add_collections(&mut self, shop: &DemoShop, shop_id: i64, now: DateTime<Utc>) {
        for coll in &shop.collections {
            self.collections.push(collection::ActiveModel {
                shop_id: Set(shop_id),
                id: Set(coll.id),
                handle: Set(coll.handle.clone()),
                title: Set(coll.title.clone()),
                source_updated_at: Set(now),
            });
            for (position, product_id) in (1_i32..).zip(&coll.product_ids) {
                self.memberships.push(product_collection::ActiveModel {
                    shop_id: Set(shop_id),
                    collection_id: Set(coll.id),
                    product_id: Set(*product_id),
                    position: Set(position),
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
