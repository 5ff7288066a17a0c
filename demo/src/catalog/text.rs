//! Titles, descriptions and tags.

use crate::model::PriceTier;
use crate::rng::{self, Rng};
use crate::taxonomy::{Leaf, Taxonomy};
use crate::words::slugify;

/// The words a product's title is built from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TitleParts {
    /// Style word, e.g. "Wrap".
    pub adjective: &'static str,
    /// Material or key ingredient, e.g. "Silk".
    pub material: &'static str,
    /// Head noun, e.g. "Midi Dress".
    pub noun: &'static str,
}

impl TitleParts {
    /// Draws title words fitting the leaf and its department.
    pub(crate) fn draw(rng: &mut Rng, taxonomy: &Taxonomy, leaf: &Leaf) -> Self {
        let top = taxonomy.tops[leaf.top].spec;
        Self {
            adjective: rng::pick(rng, top.adjectives).copied().unwrap_or("Classic"),
            material: rng::pick(rng, leaf.spec.materials).copied().unwrap_or(""),
            noun: rng::pick(rng, leaf.spec.nouns)
                .copied()
                .unwrap_or(leaf.spec.name),
        }
    }

    /// "Brand Adjective Material Noun", skipping empty words.
    pub(crate) fn title(&self, brand: &str) -> String {
        [brand, self.adjective, self.material, self.noun]
            .iter()
            .filter(|w| !w.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A department-specific second sentence, so descriptions do not all read alike.
fn detail(rng: &mut Rng, department: &str) -> &'static str {
    let options: &[&str] = match department {
        "Women's Apparel" | "Men's Apparel" | "Kids" => &[
            "Cut for an easy fit that moves from weekday to weekend.",
            "Pre-washed for softness and finished with tonal stitching.",
            "True to size; size up for a roomier fit.",
        ],
        "Shoes" => &[
            "A cushioned footbed and grippy rubber sole keep it comfortable all day.",
            "Runs true to size; half sizes should size up.",
        ],
        "Bags & Accessories" | "Jewelry" => &[
            "Finished by hand and made to be worn every day.",
            "Arrives gift-ready in a recycled box.",
            "Hypoallergenic hardware and a lifetime repair promise.",
        ],
        "Beauty" => &[
            "Dermatologist tested, vegan and cruelty-free.",
            "Free from parabens, sulfates and synthetic dyes.",
        ],
        "Kitchen" => &[
            "Dishwasher safe and built to last for years of daily use.",
            "Oven safe and suitable for every hob, including induction.",
        ],
        _ => &[
            "Designed to layer with what you already own.",
            "Made in small batches, so each piece varies slightly.",
        ],
    };
    rng::pick(rng, options).copied().unwrap_or("")
}

/// Two or three sentences: what it is, a detail, and what it pairs with.
pub(crate) fn description(
    rng: &mut Rng,
    taxonomy: &Taxonomy,
    leaf: &Leaf,
    parts: TitleParts,
    brand: &str,
) -> String {
    let department = taxonomy.tops[leaf.top].spec.name;
    let mut text = format!(
        "A {} {} in {} from {brand}. {}",
        parts.adjective.to_lowercase(),
        parts.noun.to_lowercase(),
        parts.material.to_lowercase(),
        detail(rng, department),
    );
    // Naming adjacent leaves gives text-similarity models a hint of complementarity.
    let partners: Vec<&str> = leaf
        .adjacent
        .iter()
        .take(2)
        .map(|&j| taxonomy.leaves[j].spec.name)
        .collect();
    if !partners.is_empty() {
        let list = partners.join(" and ").to_lowercase();
        text.push_str(&format!(" Pairs well with our {list}."));
    }
    text
}

/// Lowercase tags: department, leaf, material, style and tier.
pub(crate) fn tags(
    taxonomy: &Taxonomy,
    leaf: &Leaf,
    parts: TitleParts,
    tier: PriceTier,
) -> Vec<String> {
    let mut tags = vec![
        slugify(taxonomy.tops[leaf.top].spec.name),
        slugify(leaf.spec.name),
        slugify(parts.material),
        slugify(parts.adjective),
        tier.as_str().to_owned(),
    ];
    tags.retain(|t| !t.is_empty());
    tags.dedup();
    tags
}
