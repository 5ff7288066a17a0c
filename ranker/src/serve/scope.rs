//! Module scopes and the discovery / new-arrival / exploration candidate sets.

use crate::candidates::Source;
use crate::catalog::{Catalog, CategoryId, ItemId};
use crate::policy::Scope;
use crate::scoring::Scored;

/// What scope filters are judged against.
pub(super) struct Anchor {
    pub category: Option<CategoryId>,
    pub brand: Option<crate::catalog::BrandId>,
}

impl Anchor {
    /// `brand` is the search query's brand when there is a query (`None` for a generic one),
    /// else the session's dominant brand.
    pub(super) fn new(
        category: Option<CategoryId>,
        brand: Option<crate::catalog::BrandId>,
    ) -> Self {
        Self { category, brand }
    }

    /// Whether `s` is in `scope` (no anchor: every item is).
    fn admits(&self, catalog: &Catalog, scope: Scope, s: &Scored) -> bool {
        let Some(item) = catalog.item(s.item) else {
            return false;
        };
        match scope {
            Scope::Any => true,
            Scope::Complements => s.sources.contains(Source::Complement),
            Scope::Query => self.brand.is_none_or(|b| item.brand == Some(b)),
            Scope::Tight => self.category.is_none_or(|a| item.category == a),
            Scope::Wide => self
                .category
                .is_none_or(|a| catalog.categories_adjacent(a, item.category)),
            Scope::CrossCategory => self.category.is_none_or(|a| item.category != a),
        }
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
/// rows — the best out-of-scope rows, so the module still fills (documented fallback).
/// Cross-category keeps the best row per category.
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
        } else if outside.len() < k {
            outside.push(*s);
        }
    }
    if inside.len() < k {
        inside.extend(outside.into_iter().take(k - inside.len()));
    }
    inside
}
