//! The category tree: interned category paths with parent links.

use std::collections::HashMap;

use super::CategoryId;

/// A forest of categories, each a node with an optional parent, interned from paths such as
/// `["Apparel", "Shoes", "Running"]`.
///
/// Depth and ancestry drive two things: intent match (how close an item's category is to the
/// session's dominant one) and adjacency for the slot 2-4 rule.
#[derive(Debug, Clone, Default)]
pub struct CategoryTree {
    names: Vec<String>,
    parent: Vec<Option<CategoryId>>,
    depth: Vec<u16>,
    lookup: HashMap<(Option<CategoryId>, String), CategoryId>,
}

impl CategoryTree {
    /// Interns a path, creating missing nodes, and returns the id of its last segment.
    ///
    /// An empty path returns `None`: every item needs a real category.
    pub fn intern(&mut self, path: &[&str]) -> Option<CategoryId> {
        let mut parent = None;
        for segment in path {
            let key = (parent, (*segment).to_owned());
            let id = if let Some(id) = self.lookup.get(&key) {
                *id
            } else {
                let id = CategoryId(u32::try_from(self.names.len()).ok()?);
                self.names.push((*segment).to_owned());
                self.depth
                    .push(parent.map_or(1, |p: CategoryId| self.depth[p.index()] + 1));
                self.parent.push(parent);
                self.lookup.insert(key, id);
                id
            };
            parent = Some(id);
        }
        parent
    }

    /// Number of categories (all levels).
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no category was interned yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether `id` was issued by this tree.
    #[must_use]
    pub fn contains(&self, id: CategoryId) -> bool {
        id.index() < self.names.len()
    }

    /// The category's own name (last path segment), if it exists.
    #[must_use]
    pub fn name(&self, id: CategoryId) -> Option<&str> {
        self.names.get(id.index()).map(String::as_str)
    }

    /// The parent category, if any.
    #[must_use]
    pub fn parent(&self, id: CategoryId) -> Option<CategoryId> {
        self.parent.get(id.index()).copied().flatten()
    }

    /// Depth from the root (a top-level category has depth 1; unknown ids 0).
    #[must_use]
    pub fn depth(&self, id: CategoryId) -> u16 {
        self.depth.get(id.index()).copied().unwrap_or(0)
    }

    /// Closeness of two categories in `[0, 1]`: the length of their shared path prefix over the
    /// deeper one's depth, so equal categories score 1, siblings under a shared parent at depth
    /// 2 score 0.5, and categories in different top-level trees score 0.
    #[must_use]
    pub fn closeness(&self, a: CategoryId, b: CategoryId) -> f32 {
        if a == b {
            return 1.0;
        }
        let (da, db) = (self.depth(a), self.depth(b));
        let deepest = da.max(db);
        if deepest == 0 {
            return 0.0;
        }
        let (mut x, mut y) = (Some(a), Some(b));
        // Walk the deeper node up until both are at equal depth, then climb in lockstep.
        let (mut dx, mut dy) = (da, db);
        while dx > dy {
            x = x.and_then(|c| self.parent(c));
            dx -= 1;
        }
        while dy > dx {
            y = y.and_then(|c| self.parent(c));
            dy -= 1;
        }
        while x != y {
            x = x.and_then(|c| self.parent(c));
            y = y.and_then(|c| self.parent(c));
            dx = dx.saturating_sub(1);
        }
        if x.is_none() {
            return 0.0;
        }
        f32::from(dx) / f32::from(deepest)
    }

    /// Whether two categories are neighbours in the tree: equal, parent/child, or siblings.
    #[must_use]
    pub fn tree_adjacent(&self, a: CategoryId, b: CategoryId) -> bool {
        a == b
            || self.parent(a) == Some(b)
            || self.parent(b) == Some(a)
            || (self.parent(a).is_some() && self.parent(a) == self.parent(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_the_same_path_twice_returns_the_same_id() {
        let mut tree = CategoryTree::default();
        let a = tree.intern(&["Apparel", "Shoes"]);
        let b = tree.intern(&["Apparel", "Shoes"]);
        assert_eq!(a, b);
        assert_eq!(tree.len(), 2);
    }

    #[test]
    fn closeness_reflects_the_shared_prefix() {
        let mut tree = CategoryTree::default();
        let run = tree.intern(&["Apparel", "Shoes", "Running"]);
        let trail = tree.intern(&["Apparel", "Shoes", "Trail"]);
        let hats = tree.intern(&["Apparel", "Hats"]);
        let mugs = tree.intern(&["Home", "Mugs"]);
        let (Some(run), Some(trail), Some(hats), Some(mugs)) = (run, trail, hats, mugs) else {
            panic!("paths are non-empty");
        };
        assert!((tree.closeness(run, trail) - 2.0 / 3.0).abs() < 1e-6);
        assert!((tree.closeness(run, hats) - 1.0 / 3.0).abs() < 1e-6);
        assert!(tree.closeness(run, mugs).abs() < 1e-6);
        assert!(tree.tree_adjacent(run, trail));
        assert!(!tree.tree_adjacent(run, hats));
    }

    #[test]
    fn an_empty_path_is_rejected() {
        assert_eq!(CategoryTree::default().intern(&[]), None);
    }
}
