//! The built-in category tree: departments, leaves, and which leaves go together.

mod adjacency;
mod fashion;
mod home;
mod spec;

pub(crate) use spec::{LeafSpec, Scheme, TopSpec};

use crate::model::Category;

/// A top-level department as the generator sees it.
#[derive(Debug, Clone)]
pub(crate) struct Top {
    /// Category id.
    pub id: u32,
    /// Its table entry.
    pub spec: &'static TopSpec,
    /// Indices into [`Taxonomy::leaves`].
    pub leaves: Vec<usize>,
}

/// A leaf as the generator sees it.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    /// Category id.
    pub id: u32,
    /// Index into [`Taxonomy::tops`].
    pub top: usize,
    /// Its table entry.
    pub spec: &'static LeafSpec,
    /// Indices of adjacent leaves, ascending.
    pub adjacent: Vec<usize>,
}

/// The whole tree, indexed for the generator, plus its public form.
#[derive(Debug, Clone)]
pub(crate) struct Taxonomy {
    /// Departments in display order.
    pub tops: Vec<Top>,
    /// Leaves grouped by department.
    pub leaves: Vec<Leaf>,
}

impl Taxonomy {
    /// Builds the tree from the tables; ids are stable across seeds.
    pub(crate) fn build() -> Self {
        let mut tops = Vec::new();
        let mut leaves = Vec::new();
        for (t, spec) in fashion::FASHION.iter().chain(home::LIFESTYLE).enumerate() {
            let id = u32::try_from(t + 1).unwrap_or(u32::MAX);
            let mut indices = Vec::new();
            for (k, leaf) in spec.leaves.iter().enumerate() {
                indices.push(leaves.len());
                leaves.push(Leaf {
                    id: id * 100 + u32::try_from(k + 1).unwrap_or(99),
                    top: t,
                    spec: leaf,
                    adjacent: Vec::new(),
                });
            }
            tops.push(Top {
                id,
                spec,
                leaves: indices,
            });
        }
        for (a, b) in adjacency::PAIRS {
            // A misspelt pair is caught by a unit test; at run time it is skipped, not fatal.
            let (Some(i), Some(j)) = (find(&leaves, a), find(&leaves, b)) else {
                continue;
            };
            if i != j {
                leaves[i].adjacent.push(j);
                leaves[j].adjacent.push(i);
            }
        }
        for leaf in &mut leaves {
            leaf.adjacent.sort_unstable();
            leaf.adjacent.dedup();
        }
        Self { tops, leaves }
    }

    /// The public category list: departments first, then leaves.
    pub(crate) fn categories(&self) -> Vec<Category> {
        let tops = self.tops.iter().map(|top| Category {
            id: top.id,
            name: top.spec.name.to_owned(),
            parent: None,
            path: top.spec.name.to_owned(),
            adjacent: Vec::new(),
        });
        let leaves = self.leaves.iter().map(|leaf| {
            let top = &self.tops[leaf.top];
            Category {
                id: leaf.id,
                name: leaf.spec.name.to_owned(),
                parent: Some(top.id),
                path: format!("{} > {}", top.spec.name, leaf.spec.name),
                adjacent: leaf.adjacent.iter().map(|&j| self.leaves[j].id).collect(),
            }
        });
        tops.chain(leaves).collect()
    }

    /// Index of the leaf with this name, if any.
    #[cfg(test)]
    pub(crate) fn leaf_named(&self, name: &str) -> Option<usize> {
        find(&self.leaves, name)
    }
}

fn find(leaves: &[Leaf], name: &str) -> Option<usize> {
    leaves.iter().position(|leaf| leaf.spec.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_adjacency_pair_names_existing_leaves() {
        let taxonomy = Taxonomy::build();
        for (a, b) in adjacency::PAIRS {
            assert!(taxonomy.leaf_named(a).is_some(), "unknown leaf {a}");
            assert!(taxonomy.leaf_named(b).is_some(), "unknown leaf {b}");
        }
    }

    #[test]
    fn every_leaf_has_a_partner_and_names_are_unique() {
        let taxonomy = Taxonomy::build();
        for leaf in &taxonomy.leaves {
            assert!(
                !leaf.adjacent.is_empty(),
                "{} has no partner",
                leaf.spec.name
            );
        }
        let mut names: Vec<_> = taxonomy.leaves.iter().map(|l| l.spec.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
