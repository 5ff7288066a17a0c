//! Complements: items bought together across categories, and the category co-purchase graph.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::cooccurrence::{CooccurrenceConfig, CooccurrenceModel, Interaction, baskets};
use crate::catalog::{Catalog, CategoryId, ItemId};
use crate::error::Result;

/// Items co-purchased with an item from a *different* category ("often bought with").
#[derive(Debug, Clone, Default)]
pub struct ComplementModel {
    model: CooccurrenceModel,
}

impl ComplementModel {
    /// Fits on purchases, where [`Interaction::user`] is the order (basket) id.
    ///
    /// # Errors
    /// As [`CooccurrenceModel::fit`].
    pub fn fit(
        catalog: &Catalog,
        purchases: &[Interaction],
        config: &CooccurrenceConfig,
    ) -> Result<Self> {
        let items = catalog.items();
        let model = CooccurrenceModel::fit_filtered(catalog.len(), purchases, config, |a, b| {
            items.get(a.index()).map(|i| i.category) != items.get(b.index()).map(|i| i.category)
        })?;
        Ok(Self { model })
    }

    /// The `k` best complements of `item`, best first.
    #[must_use]
    pub fn complements(&self, item: ItemId, k: usize) -> Vec<(ItemId, f32)> {
        self.model.similar(item, k)
    }
}

/// Which categories are bought together: for each category, its strongest co-purchase partners
/// by lift. Used for the "adjacent categories" rule next to the category tree.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CategoryGraph {
    neighbours: HashMap<CategoryId, Vec<(CategoryId, f32)>>,
}

impl CategoryGraph {
    /// Builds the graph from purchases ([`Interaction::user`] = order id), keeping for each
    /// category the `top_n` partners with lift above 1 seen in at least `min_orders` orders.
    ///
    /// # Errors
    /// As [`CooccurrenceModel::fit`].
    pub fn from_purchases(
        catalog: &Catalog,
        purchases: &[Interaction],
        top_n: usize,
        min_orders: u32,
    ) -> Result<Self> {
        let orders = baskets(catalog.len(), purchases)?;
        let mut single: HashMap<CategoryId, f32> = HashMap::new();
        let mut pair: HashMap<(CategoryId, CategoryId), u32> = HashMap::new();
        for (_, items) in &orders {
            let mut cats: Vec<CategoryId> = items
                .iter()
                .filter_map(|i| catalog.item(ItemId(*i)))
                .map(|i| i.category)
                .collect();
            cats.sort_unstable();
            cats.dedup();
            for (x, a) in cats.iter().enumerate() {
                *single.entry(*a).or_insert(0.0) += 1.0;
                for b in &cats[x + 1..] {
                    *pair.entry((*a, *b)).or_insert(0) += 1;
                }
            }
        }
        let total = orders.len().max(1) as f32;
        let mut neighbours: HashMap<CategoryId, Vec<(CategoryId, f32)>> = HashMap::new();
        for ((a, b), n) in pair {
            let lift = n as f32 * total / (single[&a] * single[&b]);
            if n >= min_orders && lift > 1.0 {
                neighbours.entry(a).or_default().push((b, lift));
                neighbours.entry(b).or_default().push((a, lift));
            }
        }
        for list in neighbours.values_mut() {
            list.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            list.truncate(top_n);
        }
        Ok(Self { neighbours })
    }

    /// Adds an edge by hand (for merchant-curated pairings), in both directions.
    pub fn connect(&mut self, a: CategoryId, b: CategoryId, strength: f32) {
        self.neighbours.entry(a).or_default().push((b, strength));
        self.neighbours.entry(b).or_default().push((a, strength));
    }

    /// The category's partners, strongest first.
    #[must_use]
    pub fn neighbours(&self, c: CategoryId) -> &[(CategoryId, f32)] {
        self.neighbours.get(&c).map_or(&[], Vec::as_slice)
    }

    /// Whether `b` is among `a`'s partners.
    #[must_use]
    pub fn adjacent(&self, a: CategoryId, b: CategoryId) -> bool {
        self.neighbours(a).iter().any(|(c, _)| *c == b)
    }
}
