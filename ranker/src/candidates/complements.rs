//! Complements: items bought together across categories, and learning the category
//! co-purchase graph from orders.

use std::collections::HashMap;

use super::cooccurrence::{CooccurrenceConfig, CooccurrenceModel, Interaction, baskets};
pub use crate::catalog::CategoryGraph;
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

/// Learning the category graph from orders (the graph itself is catalog data).
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
        Ok(Self::from_neighbours(neighbours))
    }
}
