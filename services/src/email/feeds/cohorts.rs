//! The cohorts of each feed: who a list is for (fans of a category, browsers of a
//! collection, everyone) and its products in order. Pure functions over the ranker's
//! catalog, so each rule is tested without a database.
//!
//! Every cohort list is diversified the same cheap way: at most [`PER_BRAND`] items of one
//! brand, and in the shop-wide cohort at most [`PER_CATEGORY`] of one category, because
//! email is the widest surface and a block of six near-identical items wastes the send.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ranker::{Catalog, CategoryId, Item};

/// Items per cohort: templates show a handful; a few spare cover items sold out since.
pub(super) const ITEMS_PER_COHORT: usize = 12;
/// Items of one brand in a cohort.
const PER_BRAND: usize = 2;
/// Items of one category in the shop-wide cohort.
const PER_CATEGORY: usize = 3;
/// Key of the shop-wide cohort of every feed.
pub(super) const EVERYONE: &str = "all";

/// One cohort of a feed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cohort {
    /// Key in the document (`cohorts.<key>` in a template): lowercase, digits, `_`.
    pub key: String,
    /// What a merchant reads.
    pub title: String,
    /// Products in order.
    pub products: Vec<i64>,
}

/// Products first published within `days` of `now`, newest first, per leaf category and
/// shop-wide.
pub(super) fn new_arrivals(catalog: &Catalog, now: DateTime<Utc>, days: i64) -> Vec<Cohort> {
    let since = now.timestamp() - days * 86_400;
    let mut fresh: Vec<&Item> = catalog
        .items()
        .iter()
        .filter(|item| item.in_stock && item.created_at >= since)
        .collect();
    fresh.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then(a.external_id.cmp(&b.external_id))
    });
    with_everyone(catalog, &fresh, "New arrivals")
}

/// Products by engagement `score` (recent views, adds and purchases), per collection
/// (`collections`: key, title, members) and shop-wide.
pub(super) fn trending(
    catalog: &Catalog,
    scores: &HashMap<i64, f64>,
    collections: &[(String, String, Vec<i64>)],
) -> Vec<Cohort> {
    let ranked = by_score(catalog, scores);
    let rank: HashMap<i64, usize> = ranked
        .iter()
        .enumerate()
        .map(|(i, item)| (item.external_id, i))
        .collect();
    let mut cohorts = vec![Cohort {
        key: EVERYONE.into(),
        title: "Trending now".into(),
        products: pick(&ranked, Some(PER_CATEGORY)),
    }];
    for (key, title, members) in collections {
        let mut items: Vec<&Item> = members
            .iter()
            .filter_map(|id| rank.get(id).and_then(|&i| ranked.get(i).copied()))
            .collect();
        items.sort_by_key(|item| rank.get(&item.external_id));
        let products = pick(&items, None);
        if !products.is_empty() {
            cohorts.push(Cohort {
                key: slug(key),
                title: title.clone(),
                products,
            });
        }
    }
    cohorts.retain(|c| !c.products.is_empty());
    cohorts
}

/// Products whose stock came back (`restocked`: product → when), latest first, per leaf
/// category and shop-wide.
pub(super) fn back_in_stock(
    catalog: &Catalog,
    restocked: &HashMap<i64, DateTime<Utc>>,
) -> Vec<Cohort> {
    let mut back: Vec<(&Item, DateTime<Utc>)> = restocked
        .iter()
        .filter_map(|(id, at)| Some((catalog.item(catalog.id_of(*id)?)?, *at)))
        .filter(|(item, _)| item.in_stock)
        .collect();
    back.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.external_id.cmp(&b.0.external_id)));
    let items: Vec<&Item> = back.into_iter().map(|(item, _)| item).collect();
    with_everyone(catalog, &items, "Back in stock")
}

/// In-stock items with a positive score, best first.
fn by_score<'a>(catalog: &'a Catalog, scores: &HashMap<i64, f64>) -> Vec<&'a Item> {
    let mut scored: Vec<(&Item, f64)> = scores
        .iter()
        .filter(|(_, score)| **score > 0.0)
        .filter_map(|(id, score)| Some((catalog.item(catalog.id_of(*id)?)?, *score)))
        .filter(|(item, _)| item.in_stock)
        .collect();
    scored.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(a.0.external_id.cmp(&b.0.external_id))
    });
    scored.into_iter().map(|(item, _)| item).collect()
}

/// The shop-wide cohort of `ranked`, then one per leaf category, larger categories first.
fn with_everyone(catalog: &Catalog, ranked: &[&Item], everyone_title: &str) -> Vec<Cohort> {
    let mut cohorts = Vec::new();
    let everyone = pick(ranked, Some(PER_CATEGORY));
    if everyone.is_empty() {
        return cohorts;
    }
    cohorts.push(Cohort {
        key: EVERYONE.into(),
        title: everyone_title.into(),
        products: everyone,
    });
    let mut per_category: HashMap<CategoryId, Vec<&Item>> = HashMap::new();
    for item in ranked {
        per_category.entry(item.category).or_default().push(item);
    }
    let mut categories: Vec<(CategoryId, Vec<&Item>)> = per_category.into_iter().collect();
    categories.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    for (category, items) in categories {
        cohorts.push(Cohort {
            key: category_key(&path(catalog, category)),
            title: catalog
                .categories()
                .name(category)
                .unwrap_or_default()
                .to_owned(),
            products: pick(&items, None),
        });
    }
    cohorts
}

/// The first [`ITEMS_PER_COHORT`] of `ranked` within the brand cap and, when given, a cap
/// per category.
fn pick(ranked: &[&Item], per_category: Option<usize>) -> Vec<i64> {
    let mut brands: HashMap<u32, usize> = HashMap::new();
    let mut categories: HashMap<CategoryId, usize> = HashMap::new();
    let mut picked = Vec::with_capacity(ITEMS_PER_COHORT);
    for item in ranked {
        if picked.len() == ITEMS_PER_COHORT {
            break;
        }
        let brand_full = item
            .brand
            .is_some_and(|b| brands.get(&b.0).copied().unwrap_or(0) >= PER_BRAND);
        let category_full = per_category
            .is_some_and(|cap| categories.get(&item.category).copied().unwrap_or(0) >= cap);
        if brand_full || category_full {
            continue;
        }
        if let Some(brand) = item.brand {
            *brands.entry(brand.0).or_default() += 1;
        }
        *categories.entry(item.category).or_default() += 1;
        picked.push(item.external_id);
    }
    picked
}

/// A category's names from the root down.
fn path(catalog: &Catalog, category: CategoryId) -> Vec<&str> {
    let tree = catalog.categories();
    let mut names = Vec::new();
    let mut at = Some(category);
    while let Some(id) = at {
        names.extend(tree.name(id));
        at = tree.parent(id);
    }
    names.reverse();
    names
}

/// The cohort key of a category given its names from the root down (`apparel_boots`):
/// feeds key their per-category cohorts by it, and pushed profiles name their favourite.
pub(crate) fn category_key(names: &[&str]) -> String {
    slug(&names.join(" "))
}

/// `text` as a template-safe key: lowercase ASCII letters and digits joined by `_`.
pub(super) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}
