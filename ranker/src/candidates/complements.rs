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

/// The complements' prior: for each category, the best items of the categories the graph
/// pairs it with. Orders are sparse (most products are never bought with anything), so
/// "Complete the look" and the cart draw on this wherever co-purchases say too little.
#[derive(Debug, Clone, Default)]
pub struct Pairings {
    /// Per category: its partners' best in-stock items, scored by pairing strength times
    /// popularity, best first.
    by_category: HashMap<CategoryId, Vec<(ItemId, f32)>>,
}

/// Floor of an item's popularity share, so that a category nobody has bought from yet
/// still has items to pair.
const POPULARITY_FLOOR: f32 = 0.05;

impl Pairings {
    /// Builds the prior from per-item popularity (`popularity[i]` for item `i`; missing or
    /// negative counts as none), keeping `per_partner` items of each partner category.
    #[must_use]
    pub fn build(catalog: &Catalog, popularity: &[f32], per_partner: usize) -> Self {
        let max = popularity.iter().copied().fold(0.0f32, f32::max);
        let mut best: HashMap<CategoryId, Vec<(ItemId, f32)>> = HashMap::new();
        for (index, item) in catalog.items().iter().enumerate() {
            if !item.in_stock {
                continue;
            }
            let id = ItemId(u32::try_from(index).unwrap_or(u32::MAX));
            let share = popularity
                .get(index)
                .map_or(0.0, |p| if max > 0.0 { p.max(0.0) / max } else { 0.0 });
            let score = POPULARITY_FLOOR + (1.0 - POPULARITY_FLOOR) * share;
            best.entry(item.category).or_default().push((id, score));
        }
        for items in best.values_mut() {
            items.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            items.truncate(per_partner);
        }
        let graph = catalog.category_graph();
        // Every category gets partners, also one whose own items are all sold out: its
        // product pages still show.
        let categories: std::collections::BTreeSet<CategoryId> =
            catalog.items().iter().map(|i| i.category).collect();
        let by_category = categories
            .into_iter()
            .map(|category| {
                let mut items: Vec<(ItemId, f32)> = graph
                    .neighbours(category)
                    .iter()
                    .filter(|(partner, _)| *partner != category)
                    .flat_map(|(partner, strength)| {
                        let strength = strength.clamp(0.0, 1.0).max(POPULARITY_FLOOR);
                        best.get(partner)
                            .into_iter()
                            .flatten()
                            .map(move |(id, score)| (*id, score * strength))
                    })
                    .collect();
                items.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                (category, items)
            })
            .collect();
        Self { by_category }
    }

    /// The `k` best items to pair with `item`, best first, each weighed by how close its
    /// price is to the item's (a €40 pan goes with a €12 spatula more than with a €300
    /// knife block): the intent's price band kept.
    #[must_use]
    pub fn for_item(&self, catalog: &Catalog, item: ItemId, k: usize) -> Vec<(ItemId, f32)> {
        let Some(seed) = catalog.item(item) else {
            return Vec::new();
        };
        let Some(partners) = self.by_category.get(&seed.category) else {
            return Vec::new();
        };
        let mut scored: Vec<(ItemId, f32)> = partners
            .iter()
            .filter_map(|(id, score)| {
                let other = catalog.item(*id)?;
                Some((*id, score * price_affinity(seed.price, other.price)))
            })
            .collect();
        scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(k);
        scored
    }
}

/// How close two prices are, in (0, 1]: the square root of the smaller over the larger
/// (1 when either is unknown).
fn price_affinity(a: f32, b: f32) -> f32 {
    if a > 0.0 && b > 0.0 {
        (a.min(b) / a.max(b)).sqrt()
    } else {
        1.0
    }
}
