//! The category graph: which categories go together (bought together, or paired by the
//! merchant or the taxonomy), next to the category tree. The ranker's adjacency rules read
//! it; [`crate::candidates::complements`] learns it from orders.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::ids::CategoryId;

/// Which categories are bought together: for each category, its strongest co-purchase partners
/// by lift. Used for the "adjacent categories" rule next to the category tree.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CategoryGraph {
    neighbours: HashMap<CategoryId, Vec<(CategoryId, f32)>>,
}

impl CategoryGraph {
    /// A graph with these partner lists (strongest first).
    pub(crate) fn from_neighbours(neighbours: HashMap<CategoryId, Vec<(CategoryId, f32)>>) -> Self {
        Self { neighbours }
    }

    /// Adds an edge by hand (for merchant-curated pairings), in both directions. An edge
    /// from a category to itself marks it replenishable: its products complete a cart that
    /// holds one of them (a second candle, more coffee).
    pub fn connect(&mut self, a: CategoryId, b: CategoryId, strength: f32) {
        self.neighbours.entry(a).or_default().push((b, strength));
        if a != b {
            self.neighbours.entry(b).or_default().push((a, strength));
        }
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
