//! Shortlist hygiene and the per-row facts constrained selection needs.

use crate::catalog::{Catalog, CategoryId};
use crate::context::Context;
use crate::intent::Intent;
use crate::rerank::constrained::RowFacts;
use crate::scoring::Scored;

/// Whether every shortlist item is known and unique (the normal case: a sort, no hashing).
pub(super) fn clean(catalog: &Catalog, shortlist: &[Scored]) -> bool {
    let mut ids: Vec<u32> = shortlist.iter().map(|c| c.item.0).collect();
    ids.sort_unstable();
    ids.windows(2).all(|w| w[0] != w[1]) && shortlist.iter().all(|c| catalog.contains(c.item))
}

/// The documented fallback for a hand-made shortlist: unknown items dropped, duplicates keep
/// their first (best) occurrence.
pub(super) fn sanitised(catalog: &Catalog, shortlist: &[Scored]) -> Vec<Scored> {
    let mut seen = std::collections::HashSet::new();
    shortlist
        .iter()
        .filter(|c| catalog.contains(c.item) && seen.insert(c.item))
        .copied()
        .collect()
}

/// The category slots 2-4 must stay adjacent to: the first seed's, else the intent's, else that
/// of the most relevant candidate.
pub(crate) fn anchor_category(
    catalog: &Catalog,
    ctx: &Context,
    intent: &Intent,
    best: Option<&Scored>,
) -> Option<CategoryId> {
    ctx.seeds
        .iter()
        .find_map(|s| catalog.item(*s).map(|i| i.category))
        .or(intent.category)
        .or_else(|| best.and_then(|b| catalog.item(b.item)).map(|i| i.category))
}

/// The row constrained selection puts in slot 1: highest relevance, then highest score, then
/// earliest.
fn most_relevant(shortlist: &[Scored]) -> Option<&Scored> {
    let mut best: Option<&Scored> = None;
    for c in shortlist {
        let (r, s) = (c.components.relevance, c.score);
        if best.is_none_or(|b| {
            r > b.components.relevance || (r == b.components.relevance && s > b.score)
        }) {
            best = Some(c);
        }
    }
    best
}

/// What the rules need to know about each shortlist row.
pub(super) fn row_facts(
    catalog: &Catalog,
    ctx: &Context,
    intent: &Intent,
    shortlist: &[Scored],
) -> Vec<RowFacts> {
    let anchor = anchor_category(catalog, ctx, intent, most_relevant(shortlist));
    shortlist
        .iter()
        .filter_map(|c| {
            let item = catalog.item(c.item)?;
            Some(RowFacts {
                relevance: c.components.relevance,
                score: c.score,
                intent: c.components.intent,
                category: item.category,
                brand: item.brand,
                vendor: item.vendor,
                family: item.family,
                adjacent: anchor.is_some_and(|a| catalog.categories_adjacent(a, item.category)),
            })
        })
        .collect()
}
