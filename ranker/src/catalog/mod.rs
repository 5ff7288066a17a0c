//! The catalog view the ranker works on: compact ids, item features, categories, embeddings.
//!
//! Callers (worker, app) map their Shopify `i64` product ids into a [`Catalog`] once per catalog
//! version with [`CatalogBuilder`]; inside the ranker every item is a dense [`ItemId`] index, so
//! features live in flat vectors and look-ups are array reads.

mod brands;
mod builder;
mod graph;
mod ids;
mod tree;

pub use builder::{CatalogBuilder, ItemSpec};
pub use graph::CategoryGraph;
pub use ids::{AttributeId, BrandId, CategoryId, FamilyId, ItemId, VendorId};
pub use tree::CategoryTree;

use std::collections::HashMap;

/// One catalog item's features, validated on entry (finite numbers, known category).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The caller's id (a Shopify product or variant id).
    pub external_id: i64,
    /// The leaf category.
    pub category: CategoryId,
    /// The brand, if known; unbranded items never count against the brand cap.
    pub brand: Option<BrandId>,
    /// The vendor/seller, if known.
    pub vendor: Option<VendorId>,
    /// The variant family, if the item is one variant of a larger product.
    pub family: Option<FamilyId>,
    /// Price in the shop's currency.
    pub price: f32,
    /// Gross margin as a fraction of price, clamped to `[0, 1]`.
    pub margin: f32,
    /// Inventory health in `[0, 1]` (1 = plenty of stock, 0 = none).
    pub inventory_health: f32,
    /// Whether any unit can be sold now.
    pub in_stock: bool,
    /// Creation time, unix seconds.
    pub created_at: i64,
    /// Sorted, deduplicated attribute tokens.
    pub attributes: Vec<AttributeId>,
}

/// An immutable, validated catalog: items, the category tree and optional unit-length embeddings.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub(crate) items: Vec<Item>,
    pub(crate) tree: CategoryTree,
    pub(crate) by_external: HashMap<i64, ItemId>,
    /// Row-major `len × dim` matrix of L2-normalised embeddings; zero rows where absent.
    pub(crate) embeddings: Vec<f32>,
    pub(crate) dim: usize,
    pub(crate) graph: CategoryGraph,
    /// Brand names as tokens, for search queries.
    pub(crate) brands: brands::BrandNames,
}

impl Catalog {
    /// Starts a builder; see [`CatalogBuilder`].
    #[must_use]
    pub fn builder(embedding_dim: usize) -> CatalogBuilder {
        CatalogBuilder::new(embedding_dim)
    }

    /// Number of items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the catalog has no items.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The item behind `id`, or `None` for an id this catalog never issued.
    #[must_use]
    pub fn item(&self, id: ItemId) -> Option<&Item> {
        self.items.get(id.index())
    }

    /// All items, indexed by [`ItemId`].
    #[must_use]
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Maps a caller's id back to the dense id.
    #[must_use]
    pub fn id_of(&self, external_id: i64) -> Option<ItemId> {
        self.by_external.get(&external_id).copied()
    }

    /// The category tree.
    #[must_use]
    pub fn categories(&self) -> &CategoryTree {
        &self.tree
    }

    /// The category co-purchase graph (empty until set).
    #[must_use]
    pub fn category_graph(&self) -> &CategoryGraph {
        &self.graph
    }

    /// Sets the co-purchase graph learnt from orders, used with the category tree to decide which
    /// categories are adjacent.
    pub fn set_category_graph(&mut self, graph: CategoryGraph) {
        self.graph = graph;
    }

    /// Whether two categories are adjacent: neighbours in the tree or partners in the
    /// co-purchase graph (a category is adjacent to itself).
    #[must_use]
    pub fn categories_adjacent(&self, a: CategoryId, b: CategoryId) -> bool {
        self.tree.tree_adjacent(a, b) || self.graph.adjacent(a, b)
    }

    /// The embedding dimension (0 when the catalog has no embeddings).
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The item's unit-length embedding, or `None` if it has none (or the id is unknown).
    #[must_use]
    pub fn embedding(&self, id: ItemId) -> Option<&[f32]> {
        let row = self.embedding_row(id)?;
        row.iter().any(|x| *x != 0.0).then_some(row)
    }

    /// The raw embedding row (zeros when absent); empty when the catalog has no embeddings.
    pub(crate) fn embedding_row(&self, id: ItemId) -> Option<&[f32]> {
        if self.dim == 0 {
            return None;
        }
        let start = id.index() * self.dim;
        self.embeddings.get(start..start + self.dim)
    }

    /// Whether `id` is a valid item id.
    #[must_use]
    pub fn contains(&self, id: ItemId) -> bool {
        id.index() < self.items.len()
    }

    /// Checks that `id` exists, as a typed error.
    pub(crate) fn check(&self, id: ItemId) -> crate::Result<&Item> {
        self.item(id).ok_or(crate::RankerError::UnknownItem(id))
    }
}

/// Dot product with sixteen independent accumulators, so the compiler vectorises it and the
/// additions form short dependency chains (f32 addition is not associative, so a plain fold
/// stays scalar and latency-bound).
#[inline]
#[must_use]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
    let mut acc = [0.0f32; LANES];
    let chunks_a = a.chunks_exact(LANES);
    let chunks_b = b.chunks_exact(LANES);
    let (tail_a, tail_b) = (chunks_a.remainder(), chunks_b.remainder());
    for (x, y) in chunks_a.zip(chunks_b) {
        for lane in 0..LANES {
            acc[lane] += x[lane] * y[lane];
        }
    }
    let tail: f32 = tail_a.iter().zip(tail_b).map(|(x, y)| x * y).sum();
    let mut half = [0.0f32; 8];
    for lane in 0..8 {
        half[lane] = acc[lane] + acc[lane + 8];
    }
    ((half[0] + half[4]) + (half[1] + half[5])) + ((half[2] + half[6]) + (half[3] + half[7])) + tail
}
