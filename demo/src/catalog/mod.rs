//! The product catalog: products with variants, prices, costs, stock and popularity.

mod pricing;
mod product;
mod text;
mod variants;

use std::collections::HashMap;

use rand::Rng as _;

use crate::brands::BrandInfo;
use crate::model::{Product, ProductStatus};
use crate::rng::{self, Rng};
use crate::taxonomy::Taxonomy;

pub(crate) use product::is_new_arrival;

/// First product id: Shopify product ids are 13-digit and grow with creation time.
const PRODUCT_ID_BASE: i64 = 8_100_000_000_000;
/// First variant id (14 digits, like Shopify's).
const VARIANT_ID_BASE: i64 = 47_200_000_000_000;
/// Zipf exponent of product attractiveness: the popularity long tail.
const ZIPF_EXPONENT: f64 = 0.9;

/// What the session simulator needs to know about a product beyond its public record.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    /// Leaf index.
    pub leaf: usize,
    /// Brand index.
    pub brand: usize,
    /// Price of the default variant in dollars, for "similar price" co-views.
    pub price: f64,
    /// Zipf-distributed pull on shoppers.
    pub attractiveness: f64,
}

/// The generated catalog with its simulator-side index.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    /// Products ordered by creation time (and so by id).
    pub products: Vec<Product>,
    /// Parallel to `products`.
    pub meta: Vec<Meta>,
    /// Indices of active products per leaf.
    pub by_leaf: Vec<Vec<usize>>,
}

/// Generates `count` products across the taxonomy.
pub(crate) fn build(
    rng: &mut Rng,
    taxonomy: &Taxonomy,
    brands: &[BrandInfo],
    count: usize,
    now: i64,
) -> Catalog {
    let counts = allocate(count, &leaf_weights(taxonomy));
    let mut drafts = Vec::with_capacity(count);
    let mut titles = HashMap::new();
    let ctx = product::Context {
        taxonomy,
        brands,
        now,
    };
    for (leaf, &n) in counts.iter().enumerate() {
        let weights = brand_weights(brands, leaf);
        for _ in 0..n {
            let Some(brand) = rng::pick_weighted(rng, &weights) else {
                break;
            };
            let seq = drafts.len();
            drafts.push(product::draft(rng, &ctx, leaf, brand, seq, &mut titles));
        }
    }
    // Shopify ids grow with creation time; a stable sort keeps ties in generation order.
    drafts.sort_by_key(|d| d.product.created_at);
    let (mut products, mut meta): (Vec<_>, Vec<_>) =
        drafts.into_iter().map(|d| (d.product, d.meta)).unzip();
    assign_ids(rng, &mut products);
    assign_attractiveness(rng, brands, &products, &mut meta, now);
    let mut by_leaf = vec![Vec::new(); taxonomy.leaves.len()];
    for (i, (product, m)) in products.iter().zip(&meta).enumerate() {
        if product.status == ProductStatus::Active
            && let Some(list) = by_leaf.get_mut(m.leaf)
        {
            list.push(i);
        }
    }
    Catalog {
        products,
        meta,
        by_leaf,
    }
}

/// Each leaf's share of the catalog: department weight split by leaf popularity.
fn leaf_weights(taxonomy: &Taxonomy) -> Vec<f64> {
    taxonomy
        .leaves
        .iter()
        .map(|leaf| {
            let top = &taxonomy.tops[leaf.top];
            let sum: f64 = top
                .leaves
                .iter()
                .map(|&l| taxonomy.leaves[l].spec.popularity)
                .sum();
            top.spec.weight * leaf.spec.popularity / sum.max(f64::EPSILON)
        })
        .collect()
}

/// Splits `total` proportionally to `weights` (largest remainder), so counts are stable.
fn allocate(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let assigned: usize = counts.iter().sum();
    for &i in order.iter().cycle().take(total.saturating_sub(assigned)) {
        counts[i] += 1;
    }
    counts
}

/// Which brands make products in a leaf; specialists weigh more in their few leaves.
fn brand_weights(brands: &[BrandInfo], leaf: usize) -> Vec<f64> {
    brands
        .iter()
        .map(|b| {
            if b.leaves.contains(&leaf) {
                b.appeal.sqrt() / (b.leaves.len() as f64).sqrt()
            } else {
                0.0
            }
        })
        .collect()
}

/// Shopify-like ids: increasing, with irregular gaps as in a shared id space.
fn assign_ids(rng: &mut Rng, products: &mut [Product]) {
    let mut product_id = PRODUCT_ID_BASE;
    let mut variant_id = VARIANT_ID_BASE;
    for product in products {
        product_id += rng.random_range(1..=3_000);
        product.id = product_id;
        for variant in &mut product.variants {
            variant_id += rng.random_range(1..=40);
            variant.id = variant_id;
        }
    }
}

/// Zipf attractiveness by a rank that favours appealing brands and new arrivals.
fn assign_attractiveness(
    rng: &mut Rng,
    brands: &[BrandInfo],
    products: &[Product],
    meta: &mut [Meta],
    now: i64,
) {
    let scores: Vec<f64> = meta
        .iter()
        .zip(products)
        .map(|(m, p)| {
            let appeal = brands.get(m.brand).map_or(1.0, |b| b.appeal);
            let fresh = if product::is_new_arrival(p.created_at, now) {
                0.6
            } else {
                0.0
            };
            appeal.ln() + fresh + 0.9 * rng::normal(rng)
        })
        .collect();
    let mut order: Vec<usize> = (0..meta.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    for (rank, &i) in order.iter().enumerate() {
        meta[i].attractiveness = (rank as f64 + 1.0).powf(-ZIPF_EXPONENT);
    }
}

#[cfg(test)]
mod tests {
    use super::allocate;

    #[test]
    fn allocation_is_exact_and_proportional() {
        let counts = allocate(10, &[1.0, 1.0, 2.0]);
        assert_eq!(counts.iter().sum::<usize>(), 10);
        assert!(counts[2] >= 4);
        assert_eq!(allocate(5, &[]), Vec::<usize>::new());
        assert_eq!(allocate(0, &[1.0, 2.0]), vec![0, 0]);
    }
}
