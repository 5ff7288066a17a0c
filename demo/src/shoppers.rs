//! Shoppers with latent tastes, and the customer accounts some of them hold.

use rand::Rng as _;

use crate::brands::BrandInfo;
use crate::model::{Customer, PriceTier};
use crate::rng::{self, Rng};
use crate::taxonomy::Taxonomy;
use crate::words::{FIRST_NAMES, LAST_NAMES};

/// Customer ids: 13 digits, like Shopify's.
const CUSTOMER_ID_BASE: i64 = 7_300_000_000_000;
/// Share of shoppers with an account; with 85% of their visits logged in this makes ~40% of
/// sessions known.
const CUSTOMER_SHARE: f64 = 0.47;
/// Accounts are at most this old.
const MAX_ACCOUNT_AGE_DAYS: i64 = 1_000;

/// A simulated shopper: the hidden tastes that give sessions their structure.
#[derive(Debug, Clone)]
pub(crate) struct Shopper {
    /// Favourite departments (indices) with how often each is the session's focus.
    pub tops: Vec<(usize, f64)>,
    /// The price tier the shopper is comfortable with.
    pub tier: PriceTier,
    /// Favourite brand indices (brand loyalty); may be empty.
    pub brands: Vec<usize>,
    /// Usual device.
    pub device: &'static str,
    /// Relative number of visits (heavy-tailed: some shoppers return often).
    pub activity: f64,
    /// Index into the customer list when the shopper has an account.
    pub customer: Option<usize>,
    /// The shopper's usual browser cookie.
    pub anonymous_id: String,
}

/// Draws `count` shoppers and the customer accounts of those who have one.
pub(crate) fn build(
    rng: &mut Rng,
    taxonomy: &Taxonomy,
    brands: &[BrandInfo],
    count: usize,
    now: i64,
) -> (Vec<Shopper>, Vec<Customer>) {
    let mut shoppers = Vec::with_capacity(count);
    let mut customers = Vec::new();
    let mut customer_id = CUSTOMER_ID_BASE;
    for _ in 0..count {
        let tops = favourite_tops(rng, taxonomy);
        let tier = *rng::pick(
            rng,
            &[
                PriceTier::Budget,
                PriceTier::Budget,
                PriceTier::Mid,
                PriceTier::Mid,
                PriceTier::Mid,
                PriceTier::Premium,
            ],
        )
        .unwrap_or(&PriceTier::Mid);
        let favourite = favourite_brands(rng, taxonomy, brands, &tops, tier);
        let customer = rng.random_bool(CUSTOMER_SHARE).then(|| {
            customer_id += rng.random_range(1..=20_000);
            customers.push(customer(rng, customer_id, customers.len(), now));
            customers.len() - 1
        });
        shoppers.push(Shopper {
            tops,
            tier,
            brands: favourite,
            device: device(rng),
            activity: rng::log_normal(rng, 1.0),
            customer,
            anonymous_id: rng::uuid_like(rng),
        });
    }
    (shoppers, customers)
}

/// A device drawn with a mobile-heavy storefront mix.
pub(crate) fn device(rng: &mut Rng) -> &'static str {
    match rng::pick_weighted(rng, &[0.60, 0.32, 0.08]) {
        Some(1) => "desktop",
        Some(2) => "tablet",
        _ => "mobile",
    }
}

/// 1-3 distinct departments, drawn by department weight; the first is the strongest.
fn favourite_tops(rng: &mut Rng, taxonomy: &Taxonomy) -> Vec<(usize, f64)> {
    let mut weights: Vec<f64> = taxonomy.tops.iter().map(|t| t.spec.weight).collect();
    let n = rng.random_range(1..=3);
    let mut tops = Vec::with_capacity(n);
    for share in [0.6, 0.25, 0.15].into_iter().take(n) {
        let Some(t) = rng::pick_weighted(rng, &weights) else {
            break;
        };
        weights[t] = 0.0;
        tops.push((t, share));
    }
    tops
}

/// 0-2 brands from the shopper's departments, favouring their tier and well-known labels.
fn favourite_brands(
    rng: &mut Rng,
    taxonomy: &Taxonomy,
    brands: &[BrandInfo],
    tops: &[(usize, f64)],
    tier: PriceTier,
) -> Vec<usize> {
    let mut weights: Vec<f64> = brands
        .iter()
        .map(|b| {
            let fits = b
                .leaves
                .iter()
                .any(|&l| tops.iter().any(|&(t, _)| taxonomy.leaves[l].top == t));
            if fits {
                b.appeal * tier_affinity(tier, b.brand.tier)
            } else {
                0.0
            }
        })
        .collect();
    let n = *rng::pick(rng, &[0, 0, 0, 1, 1, 1, 1, 2, 2, 2]).unwrap_or(&0);
    let mut chosen = Vec::with_capacity(n);
    for _ in 0..n {
        let Some(b) = rng::pick_weighted(rng, &weights) else {
            break;
        };
        weights[b] = 0.0;
        chosen.push(b);
    }
    chosen
}

/// How much a shopper of tier `shopper` warms to a brand of tier `brand`.
pub(crate) fn tier_affinity(shopper: PriceTier, brand: PriceTier) -> f64 {
    match (shopper as i32 - brand as i32).abs() {
        0 => 1.0,
        1 => 0.45,
        _ => 0.15,
    }
}

fn customer(rng: &mut Rng, id: i64, index: usize, now: i64) -> Customer {
    let first = rng::pick(rng, FIRST_NAMES).copied().unwrap_or("Alex");
    let last = rng::pick(rng, LAST_NAMES).copied().unwrap_or("Doe");
    Customer {
        id,
        // The index suffix keeps addresses unique; names repeat.
        email: format!(
            "{}.{}{}@example.com",
            first.to_lowercase(),
            last.to_lowercase(),
            index + 1
        ),
        first_name: first.to_owned(),
        created_at: now.saturating_sub(rng.random_range(0..MAX_ACCOUNT_AGE_DAYS * 86_400)),
    }
}
