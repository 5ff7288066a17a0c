//! Module scopes and the discovery / new-arrival / exploration candidate sets.

use crate::catalog::{Catalog, CategoryId, ItemId};
use crate::policy::Scope;
use crate::scoring::Scored;

/// What scope filters are judged against.
pub(super) struct Anchor {
    /// The category the list is about: the first seed's (the product on the page, the
    /// newest cart line), else the session intent's.
    pub category: Option<CategoryId>,
    /// Every seed's category (all cart lines): complements go with any of them and are in
    /// none of them.
    pub seed_categories: Vec<CategoryId>,
    pub brand: Option<crate::catalog::BrandId>,
}

impl Anchor {
    /// `brand` is the search query's brand when there is a query (`None` for a generic one),
    /// else the session's dominant brand.
    pub(super) fn new(
        category: Option<CategoryId>,
        seed_categories: Vec<CategoryId>,
        brand: Option<crate::catalog::BrandId>,
    ) -> Self {
        Self {
            category,
            seed_categories,
            brand,
        }
    }

    /// Whether `s` is in `scope` (no anchor: every item is).
    pub(super) fn admits(&self, catalog: &Catalog, scope: Scope, s: &Scored) -> bool {
        let Some(item) = catalog.item(s.item) else {
            return false;
        };
        match scope {
            Scope::Any => true,
            Scope::Complements => self.complements(catalog, item.category),
            Scope::Query => self.brand.is_none_or(|b| item.brand == Some(b)),
            Scope::Tight => self.category.is_none_or(|a| item.category == a),
            Scope::Wide => self
                .category
                .is_none_or(|a| catalog.categories_adjacent(a, item.category)),
            Scope::CrossCategory => self.category.is_none_or(|a| item.category != a),
        }
    }

    /// Whether `category` goes with a seed's category in the category graph and is none of
    /// theirs. Same-category items complete a look or a cart only in a replenishable
    /// category (one the graph pairs with itself): more dresses do not go with a dress, a
    /// second candle may go with a candle. Without seeds every category qualifies; when the graph knows no partner
    /// of any seed's category (a new shop, an unpaired category), every other category does,
    /// and the items say what they are ("Popular in …") rather than what they go with.
    fn complements(&self, catalog: &Catalog, category: CategoryId) -> bool {
        let graph = catalog.category_graph();
        let seeds: Vec<CategoryId> = self
            .seed_categories
            .iter()
            .chain(self.category.iter())
            .copied()
            .collect();
        if seeds.contains(&category) {
            return graph.adjacent(category, category);
        }
        let paired = seeds.iter().any(|s| !graph.neighbours(*s).is_empty());
        !paired || seeds.iter().any(|s| graph.adjacent(*s, category))
    }

    /// Whether `category` is the anchor's or a sibling of it (same parent).
    pub(super) fn kin(&self, catalog: &Catalog, category: CategoryId) -> bool {
        self.category.is_none_or(|a| {
            let tree = catalog.categories();
            a == category
                || tree
                    .parent(a)
                    .is_some_and(|p| tree.parent(category) == Some(p))
        })
    }

    /// Whether `s` may stand in when the scope leaves a module short: a sibling category for
    /// similar items; nothing for the scopes that promise a relation to the product
    /// (complements, wide); anything for the open scopes.
    pub(super) fn stands_in(&self, catalog: &Catalog, scope: Scope, s: &Scored) -> bool {
        match scope {
            Scope::Complements | Scope::Wide => false,
            Scope::Tight => catalog
                .item(s.item)
                .is_some_and(|i| self.kin(catalog, i.category)),
            Scope::Any | Scope::Query | Scope::CrossCategory => true,
        }
    }

    /// Whether `s` may appear in a module of `scope` at all (in scope, or standing in).
    pub(super) fn allows(&self, catalog: &Catalog, scope: Scope, s: &Scored) -> bool {
        self.admits(catalog, scope, s) || self.stands_in(catalog, scope, s)
    }

    /// Whether `s` lies outside the anchor category (a discovery / exploration candidate).
    pub(super) fn outside(&self, catalog: &Catalog, item: ItemId) -> bool {
        let category = catalog.item(item).map(|i| i.category);
        self.category.is_none() || category != self.category
    }

    /// Whether `item`'s category is adjacent to the anchor's (every category without an anchor).
    pub(super) fn adjacent(&self, catalog: &Catalog, item: ItemId) -> bool {
        match (self.category, catalog.item(item)) {
            (Some(a), Some(i)) => catalog.categories_adjacent(a, i.category),
            (None, Some(_)) => true,
            _ => false,
        }
    }
}

/// The module's shortlist: `rows` (best first) in scope, then — if that leaves fewer than `k`
/// rows — the best rows that may stand in ([`Anchor::stands_in`]): a shorter list beats one
/// that breaks the module's promise. Cross-category keeps the best row per category.
pub(super) fn scoped(
    catalog: &Catalog,
    anchor: &Anchor,
    scope: Scope,
    rows: &[Scored],
    k: usize,
) -> Vec<Scored> {
    let mut seen: Vec<CategoryId> = Vec::new();
    let mut inside = Vec::with_capacity(rows.len());
    let mut outside = Vec::new();
    for s in rows {
        let fits = anchor.admits(catalog, scope, s)
            && (scope != Scope::CrossCategory || {
                let c = catalog.item(s.item).map(|i| i.category);
                c.is_some_and(|c| {
                    !seen.contains(&c) && {
                        seen.push(c);
                        true
                    }
                })
            });
        if fits {
            inside.push(*s);
        } else if outside.len() < k && anchor.stands_in(catalog, scope, s) {
            outside.push(*s);
        }
    }
    if inside.len() < k {
        inside.extend(outside.into_iter().take(k - inside.len()));
    }
    inside
}
