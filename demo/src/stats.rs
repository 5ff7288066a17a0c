//! A summary of a generated shop, for logs and for checking the generator's realism.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::DemoShop;
use crate::model::{EventKind, ProductStatus, Variant};

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
    /// Share of multi-line orders with two lines from adjacent leaves (complementary buys).
    pub complementary_order_share: f64,
    /// Share of consecutive views within a session in the same or an adjacent leaf.
    pub related_view_share: f64,
    /// Share of all views that go to the most-viewed 10% of products (the long tail's head).
    pub top_decile_view_share: f64,
}

impl DemoShop {
    /// Counts and shares describing this shop.
    #[must_use]
    pub fn stats(&self) -> ShopStats {
        let variants: Vec<_> = self.products.iter().flat_map(|p| &p.variants).collect();
        let share = ratio;
        let count_variants =
            |f: &dyn Fn(i64) -> bool| variants.iter().filter(|v| f(v.inventory_available)).count();
        let new = count(&self.products, |p| {
            p.tags.iter().any(|t| t == "new-arrival")
        });
        let unknown = count(&self.products, |p| {
            p.variants.iter().any(|v| v.unit_cost_cents.is_none())
        });
        let events = self.sessions.iter().map(|s| s.events.len()).sum();
        let views = self
            .sessions
            .iter()
            .flat_map(|s| &s.events)
            .filter(|e| e.kind == EventKind::View)
            .count();
        ShopStats {
            products: self.products.len(),
            active_products: count(&self.products, |p| p.status == ProductStatus::Active),
            variants: variants.len(),
            top_categories: count(&self.categories, |c| c.parent.is_none()),
            leaf_categories: count(&self.categories, |c| c.parent.is_some()),
            brands: self.brands.len(),
            vendors: self.vendors.len(),
            collections: self.collections.len(),
            customers: self.customers.len(),
            sessions: self.sessions.len(),
            known_sessions: count(&self.sessions, |s| s.customer_id.is_some()),
            events,
            views,
            orders: self.orders.len(),
            order_lines: self.orders.iter().map(|o| o.lines.len()).sum(),
            share_out_of_stock: share(count_variants(&|n| n == 0), variants.len()),
            share_low_stock: share(count_variants(&|n| (1..=3).contains(&n)), variants.len()),
            share_overstock: share(count_variants(&|n| n >= 200), variants.len()),
            share_new_arrivals: share(new, self.products.len()),
            share_unknown_cost: share(unknown, self.products.len()),
            mean_margin: mean_margin(&variants),
            conversion_rate: share(self.orders.len(), self.sessions.len()),
            complementary_order_share: self.complementary_order_share(),
            related_view_share: self.related_view_share(),
            top_decile_view_share: self.top_decile_view_share(),
        }
    }
}

impl DemoShop {
    fn leaf_of(&self) -> HashMap<i64, u32> {
        self.products
            .iter()
            .map(|p| (p.id, p.category_id))
            .collect()
    }

    fn adjacent_pairs(&self) -> HashSet<(u32, u32)> {
        self.categories
            .iter()
            .flat_map(|c| c.adjacent.iter().map(move |&a| (c.id, a)))
            .collect()
    }

    fn complementary_order_share(&self) -> f64 {
        let (leaf_of, adjacent) = (self.leaf_of(), self.adjacent_pairs());
        let multi: Vec<Vec<u32>> = self
            .orders
            .iter()
            .filter(|o| o.lines.len() >= 2)
            .map(|o| {
                o.lines
                    .iter()
                    .filter_map(|l| leaf_of.get(&l.product_id).copied())
                    .collect()
            })
            .collect();
        let complementary = count(&multi, |leaves| {
            leaves
                .iter()
                .any(|&a| leaves.iter().any(|&b| adjacent.contains(&(a, b))))
        });
        ratio(complementary, multi.len())
    }

    fn related_view_share(&self) -> f64 {
        let (leaf_of, adjacent) = (self.leaf_of(), self.adjacent_pairs());
        let (mut related, mut pairs) = (0, 0);
        for session in &self.sessions {
            let leaves: Vec<u32> = session
                .events
                .iter()
                .filter(|e| e.kind == EventKind::View)
                .filter_map(|e| leaf_of.get(&e.product_id?).copied())
                .collect();
            for pair in leaves.windows(2) {
                pairs += 1;
                related +=
                    usize::from(pair[0] == pair[1] || adjacent.contains(&(pair[0], pair[1])));
            }
        }
        ratio(related, pairs)
    }

    fn top_decile_view_share(&self) -> f64 {
        let mut views: HashMap<i64, usize> = HashMap::new();
        let viewed = self
            .sessions
            .iter()
            .flat_map(|s| &s.events)
            .filter(|e| e.kind == EventKind::View);
        for id in viewed.filter_map(|e| e.product_id) {
            *views.entry(id).or_default() += 1;
        }
        let mut counts: Vec<usize> = self
            .products
            .iter()
            .map(|p| views.get(&p.id).copied().unwrap_or(0))
            .collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let head: usize = counts.iter().take(counts.len() / 10).sum();
        ratio(head, counts.iter().sum())
    }
}

/// How many items satisfy `keep`.
fn count<T>(items: &[T], keep: impl Fn(&T) -> bool) -> usize {
    items.iter().filter(|item| keep(item)).count()
}

/// Mean of (price − cost) / price over variants with a known cost.
fn mean_margin(variants: &[&Variant]) -> f64 {
    let margins: Vec<f64> = variants
        .iter()
        .filter_map(|v| {
            let cost = v.unit_cost_cents?;
            (v.price_cents > 0).then(|| (v.price_cents - cost) as f64 / v.price_cents as f64)
        })
        .collect();
    if margins.is_empty() {
        0.0
    } else {
        margins.iter().sum::<f64>() / margins.len() as f64
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
