//! A summary of a generated shop, for logs and for checking the generator's realism.

use serde::Serialize;

use crate::DemoShop;
use crate::model::{EventKind, ProductStatus};

/// Headline numbers of a [`DemoShop`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShopStats {
    /// Number of products.
    pub products: usize,
    /// Products with status active.
    pub active_products: usize,
    /// Number of variants.
    pub variants: usize,
    /// Number of top-level categories.
    pub top_categories: usize,
    /// Number of leaf categories.
    pub leaf_categories: usize,
    /// Number of brands.
    pub brands: usize,
    /// Number of vendors.
    pub vendors: usize,
    /// Number of collections.
    pub collections: usize,
    /// Number of customer accounts.
    pub customers: usize,
    /// Number of sessions.
    pub sessions: usize,
    /// Sessions with a customer id.
    pub known_sessions: usize,
    /// Number of events.
    pub events: usize,
    /// Number of view events.
    pub views: usize,
    /// Number of orders.
    pub orders: usize,
    /// Number of order lines.
    pub order_lines: usize,
    /// Share of variants with nothing available.
    pub share_out_of_stock: f64,
    /// Share of variants with 1-3 available.
    pub share_low_stock: f64,
    /// Share of variants with 200 or more available.
    pub share_overstock: f64,
    /// Share of products tagged `new-arrival` (created in the 14 days before `now`).
    pub share_new_arrivals: f64,
    /// Share of products whose unit cost is unknown.
    pub share_unknown_cost: f64,
    /// Mean gross margin, (price − cost) / price, over variants with a known cost.
    pub mean_margin: f64,
    /// Share of sessions that ended in an order.
    pub conversion_rate: f64,
}

impl DemoShop {
    /// Counts and shares describing this shop.
    #[must_use]
    pub fn stats(&self) -> ShopStats {
        let variants: Vec<_> = self.products.iter().flat_map(|p| &p.variants).collect();
        let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
        let count_variants =
            |f: &dyn Fn(i64) -> bool| variants.iter().filter(|v| f(v.inventory_available)).count();
        let margins: Vec<f64> = variants
            .iter()
            .filter_map(|v| {
                let cost = v.unit_cost_cents?;
                (v.price_cents > 0).then(|| (v.price_cents - cost) as f64 / v.price_cents as f64)
            })
            .collect();
        let new = self
            .products
            .iter()
            .filter(|p| p.tags.iter().any(|t| t == "new-arrival"))
            .count();
        let unknown = self
            .products
            .iter()
            .filter(|p| p.variants.iter().any(|v| v.unit_cost_cents.is_none()))
            .count();
        let events = self.sessions.iter().map(|s| s.events.len()).sum();
        let views = self
            .sessions
            .iter()
            .flat_map(|s| &s.events)
            .filter(|e| e.kind == EventKind::View)
            .count();
        ShopStats {
            products: self.products.len(),
            active_products: self
                .products
                .iter()
                .filter(|p| p.status == ProductStatus::Active)
                .count(),
            variants: variants.len(),
            top_categories: self
                .categories
                .iter()
                .filter(|c| c.parent.is_none())
                .count(),
            leaf_categories: self
                .categories
                .iter()
                .filter(|c| c.parent.is_some())
                .count(),
            brands: self.brands.len(),
            vendors: self.vendors.len(),
            collections: self.collections.len(),
            customers: self.customers.len(),
            sessions: self.sessions.len(),
            known_sessions: self
                .sessions
                .iter()
                .filter(|s| s.customer_id.is_some())
                .count(),
            events,
            views,
            orders: self.orders.len(),
            order_lines: self.orders.iter().map(|o| o.lines.len()).sum(),
            share_out_of_stock: share(count_variants(&|n| n == 0), variants.len()),
            share_low_stock: share(count_variants(&|n| (1..=3).contains(&n)), variants.len()),
            share_overstock: share(count_variants(&|n| n >= 200), variants.len()),
            share_new_arrivals: share(new, self.products.len()),
            share_unknown_cost: share(unknown, self.products.len()),
            mean_margin: if margins.is_empty() {
                0.0
            } else {
                margins.iter().sum::<f64>() / margins.len() as f64
            },
            conversion_rate: share(self.orders.len(), self.sessions.len()),
        }
    }
}
