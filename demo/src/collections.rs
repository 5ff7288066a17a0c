//! Merchandised collections: one per department, plus the edits a real shop would run.

use std::collections::HashMap;

use crate::catalog::{Catalog, Meta, is_new_arrival};
use crate::model::{Collection, Order, Product, ProductStatus};
use crate::taxonomy::Taxonomy;
use crate::words::slugify;

/// Collection ids: 12 digits, like Shopify's.
const COLLECTION_ID_BASE: i64 = 412_000_000_000;
/// Size of the best-seller list.
const BEST_SELLERS: usize = 48;

/// Cross-department edits built from leaves that go together.
const EDITS: &[(&str, &[&str])] = &[
    (
        "Summer Edit",
        &["Dresses", "Sandals", "Sunglasses", "Hats", "Water Bottles"],
    ),
    (
        "Cozy at Home",
        &[
            "Bedding",
            "Cushions & Throws",
            "Candles & Home Fragrance",
            "Knitwear",
            "Sweaters",
            "Coffee & Tea",
        ],
    ),
    (
        "Race Day",
        &["Running Shoes", "Activewear", "Water Bottles"],
    ),
    (
        "Wedding Guest",
        &[
            "Dresses",
            "Heels",
            "Clutches",
            "Earrings",
            "Suits & Blazers",
        ],
    ),
];

/// Builds the collections; best sellers come from the simulated orders.
pub(crate) fn build(
    taxonomy: &Taxonomy,
    catalog: &Catalog,
    orders: &[Order],
    now: i64,
) -> Vec<Collection> {
    let department = |m: &Meta| taxonomy.tops[taxonomy.leaves[m.leaf].top].spec.name;
    let mut lists: Vec<(String, Vec<i64>)> = taxonomy
        .tops
        .iter()
        .map(|top| {
            (
                top.spec.name.to_owned(),
                select(catalog, |_, m| department(m) == top.spec.name),
            )
        })
        .collect();
    let new = select(catalog, |p, _| is_new_arrival(p.created_at, now));
    lists.push(("New Arrivals".to_owned(), new));
    lists.push(("Best Sellers".to_owned(), best_sellers(catalog, orders)));
    let sale = select(catalog, |p, _| {
        p.variants
            .iter()
            .any(|v| v.compare_at_price_cents.is_some())
    });
    lists.push(("Sale".to_owned(), sale));
    let gift_departments = ["Jewelry", "Beauty", "Home & Living", "Kitchen"];
    let gifts = select(catalog, |p, m| {
        let cheap = p.variants.first().is_some_and(|v| v.price_cents < 5_000);
        cheap && gift_departments.contains(&department(m))
    });
    lists.push(("Gifts Under $50".to_owned(), gifts));
    for (title, leaves) in EDITS {
        let ids = select(catalog, |_, m| {
            leaves.contains(&taxonomy.leaves[m.leaf].spec.name)
        });
        lists.push(((*title).to_owned(), ids));
    }
    lists
        .into_iter()
        .enumerate()
        .map(|(i, (title, product_ids))| Collection {
            id: COLLECTION_ID_BASE + 7_919 * i64::try_from(i + 1).unwrap_or(0),
            handle: slugify(&title),
            title,
            product_ids,
        })
        .collect()
}

/// Ids of active products matching `keep`, in catalog order.
fn select(catalog: &Catalog, keep: impl Fn(&Product, &Meta) -> bool) -> Vec<i64> {
    catalog
        .products
        .iter()
        .zip(&catalog.meta)
        .filter(|(p, m)| p.status == ProductStatus::Active && keep(p, m))
        .map(|(p, _)| p.id)
        .collect()
}

/// The most-bought active products by units, ties broken by attractiveness.
fn best_sellers(catalog: &Catalog, orders: &[Order]) -> Vec<i64> {
    let mut units: HashMap<i64, i64> = HashMap::new();
    for line in orders.iter().flat_map(|o| &o.lines) {
        *units.entry(line.product_id).or_insert(0) += line.quantity;
    }
    let mut ranked: Vec<usize> = (0..catalog.products.len())
        .filter(|&i| catalog.products[i].status == ProductStatus::Active)
        .collect();
    ranked.sort_by(|&a, &b| {
        let ua = units.get(&catalog.products[a].id).copied().unwrap_or(0);
        let ub = units.get(&catalog.products[b].id).copied().unwrap_or(0);
        ub.cmp(&ua).then(
            catalog.meta[b]
                .attractiveness
                .total_cmp(&catalog.meta[a].attractiveness),
        )
    });
    ranked
        .into_iter()
        .take(BEST_SELLERS)
        .map(|i| catalog.products[i].id)
        .collect()
}
