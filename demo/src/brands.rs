//! The built-in brands and the sellers (vendors) that own them.

use crate::model::PriceTier::{Budget, Mid, Premium};
use crate::model::{Brand, PriceTier};
use crate::rng::{self, Rng};
use crate::taxonomy::Taxonomy;

/// Sellers on the marketplace; each brand belongs to one.
pub(crate) const VENDORS: &[&str] = &[
    "Northwind Trading Co.",
    "Atelier Collective",
    "Harbor & Pine Goods",
    "Lumen Beauty Group",
    "Fieldstone Outfitters",
    "Casa Verde Imports",
    "Little Acorn Co.",
];

const W: &str = "Women's Apparel";
const M: &str = "Men's Apparel";
const S: &str = "Shoes";
const B: &str = "Bags & Accessories";
const J: &str = "Jewelry";
const BE: &str = "Beauty";
const H: &str = "Home & Living";
const K: &str = "Kitchen";
const O: &str = "Outdoor & Sports";
const KI: &str = "Kids";

/// A brand table row: name, vendor index, tier, departments, and optional leaf whitelist.
type BrandRow = (
    &'static str,
    usize,
    PriceTier,
    &'static [&'static str],
    &'static [&'static str],
);

/// Invented brands, each concentrated in 1-3 departments; specialists list their leaves.
#[rustfmt::skip]
const BRANDS: &[BrandRow] = &[
    ("Solenne", 1, Premium, &[W, B], &[]),
    ("Maison Lirette", 1, Premium, &[W, S, B], &[]),
    ("Wren & Willow", 0, Mid, &[W], &[]),
    ("Daisy Lane", 0, Budget, &[W, B, J], &[]),
    ("Kestrel Studio", 1, Mid, &[W, M], &[]),
    ("Saltwater Studio", 2, Mid, &[W, B, O], &[]),
    ("Indigo Row", 0, Mid, &[W, M], &[]),
    ("Fable & Finch", 6, Budget, &[W, KI], &[]),
    ("Verra", 1, Premium, &[W, S, B], &[]),
    ("Juniper Bay", 2, Budget, &[W, B, J], &[]),
    ("Mistral Knits", 1, Premium, &[W, M, B], &["Knitwear", "Sweaters", "Scarves"]),
    ("Hartwell & Co.", 0, Premium, &[M, S], &[]),
    ("Northbound", 4, Mid, &[M, O], &[]),
    ("Ashby Supply", 0, Budget, &[M], &[]),
    ("Fennick", 0, Mid, &[M, B], &[]),
    ("Greystone Tailoring", 1, Premium, &[M], &["Suits & Blazers", "Shirts", "Chinos & Trousers"]),
    ("Atlas Everyday", 4, Budget, &[M, O], &[]),
    ("Calla Footwear", 2, Mid, &[S], &[]),
    ("Strada Milano", 1, Premium, &[S, B], &[]),
    ("Cobble & Crest", 0, Mid, &[S, M], &[]),
    ("Pavilion Shoe Co.", 2, Budget, &[S], &[]),
    ("Stride Athletics", 4, Mid, &[S, O], &["Running Shoes", "Sneakers", "Activewear"]),
    ("Trailborn", 4, Mid, &[S, O], &[]),
    ("Oriel Leather", 1, Premium, &[B, S], &[]),
    ("Tote & Tide", 2, Budget, &[B], &[]),
    ("Marlow Atelier", 1, Premium, &[B, J], &[]),
    ("Soleil Sunwear", 2, Mid, &[B], &["Sunglasses", "Hats"]),
    ("Carryall Supply", 4, Mid, &[B, O], &["Backpacks", "Wallets", "Belts", "Camping Gear"]),
    ("Luna Vale", 2, Mid, &[J], &[]),
    ("Aurelle", 1, Premium, &[J], &[]),
    ("Copper Finch", 2, Budget, &[J, B], &[]),
    ("Tempo Horology", 0, Premium, &[J], &["Watches"]),
    ("Pebble & Stone", 5, Mid, &[J, H], &[]),
    ("Dewpoint Skin", 3, Mid, &[BE], &["Skincare", "Hair Care"]),
    ("Petal & Pestle", 3, Budget, &[BE, H], &[]),
    ("Noma Botanics", 3, Premium, &[BE], &[]),
    ("Glossary Cosmetics", 3, Mid, &[BE], &["Makeup", "Skincare"]),
    ("Maison Sauge", 3, Premium, &[BE, H], &["Fragrance", "Candles & Home Fragrance"]),
    ("Linden House", 5, Mid, &[H], &[]),
    ("Hearth & Loom", 5, Premium, &[H], &[]),
    ("Nestwell", 5, Budget, &[H, KI], &[]),
    ("Ember Lane", 3, Mid, &[H], &["Candles & Home Fragrance"]),
    ("Terrace & Clay", 5, Mid, &[H, K], &[]),
    ("Halcyon Home", 5, Premium, &[H, K], &[]),
    ("Copperline", 5, Premium, &[K], &[]),
    ("Brightpan", 2, Budget, &[K], &[]),
    ("Oak & Ore", 5, Mid, &[K, H], &[]),
    ("Morning Ritual", 2, Mid, &[K], &["Coffee & Tea", "Tableware", "Glassware"]),
    ("Summit Thread", 4, Mid, &[O, M], &[]),
    ("Ridgeway Gear", 4, Premium, &[O, B], &[]),
    ("Flowstate", 4, Mid, &[O, W], &[]),
    ("Tidewater", 4, Budget, &[O, K], &["Water Bottles", "Glassware", "Camping Gear"]),
    ("Velocita", 4, Premium, &[O], &["Cycling", "Activewear"]),
    ("Little Acorn", 6, Mid, &[KI], &[]),
    ("Puddle & Pine", 6, Budget, &[KI], &[]),
    ("Bramble Bear", 6, Premium, &[KI, H], &[]),
];

/// A brand as the generator sees it.
#[derive(Debug, Clone)]
pub(crate) struct BrandInfo {
    /// The public record.
    pub brand: Brand,
    /// Three-letter SKU prefix.
    pub code: String,
    /// Leaf indices the brand makes products in.
    pub leaves: Vec<usize>,
    /// Relative pull on shoppers (log-normal per seed), so some labels are household names.
    pub appeal: f64,
    /// Shift of the unit-cost ratio: some brands source better than others.
    pub cost_shift: f64,
}

/// Builds the brand list with per-seed appeal and sourcing.
pub(crate) fn build(taxonomy: &Taxonomy, rng: &mut Rng) -> Vec<BrandInfo> {
    let mut brands = Vec::with_capacity(BRANDS.len());
    for (i, &(name, vendor, tier, tops, only)) in BRANDS.iter().enumerate() {
        let top_ids: Vec<u32> = taxonomy
            .tops
            .iter()
            .filter(|top| tops.contains(&top.spec.name))
            .map(|top| top.id)
            .collect();
        let leaves = (0..taxonomy.leaves.len())
            .filter(|&l| {
                let leaf = &taxonomy.leaves[l];
                tops.contains(&taxonomy.tops[leaf.top].spec.name)
                    && (only.is_empty() || only.contains(&leaf.spec.name))
            })
            .collect();
        let code: String = name
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(3)
            .collect::<String>()
            .to_ascii_uppercase();
        brands.push(BrandInfo {
            brand: Brand {
                id: u32::try_from(i + 1).unwrap_or(u32::MAX),
                name: name.to_owned(),
                vendor: VENDORS
                    .get(vendor)
                    .copied()
                    .unwrap_or(VENDORS[0])
                    .to_owned(),
                tier,
                top_categories: top_ids,
            },
            code,
            leaves,
            appeal: rng::log_normal(rng, 0.7),
            cost_shift: 0.05 * rng::normal(rng),
        });
    }
    brands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stage, stage_rng};

    #[test]
    fn every_brand_sells_somewhere_and_every_leaf_has_a_brand() {
        let taxonomy = Taxonomy::build();
        let brands = build(&taxonomy, &mut stage_rng(1, Stage::Brands));
        for info in &brands {
            assert!(!info.leaves.is_empty(), "{} sells nothing", info.brand.name);
            assert!((1..=3).contains(&info.brand.top_categories.len()));
        }
        for l in 0..taxonomy.leaves.len() {
            assert!(
                brands.iter().any(|b| b.leaves.contains(&l)),
                "leaf {l} has no brand"
            );
        }
    }
}
