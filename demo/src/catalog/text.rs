//! Titles, descriptions and tags.

use crate::model::PriceTier;
use crate::rng::{self, Rng};
use crate::taxonomy::{Leaf, LeafSpec, Scheme, Taxonomy};
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
        let (noun, materials) = rng::pick(rng, leaf.spec.items)
            .copied()
            .unwrap_or((leaf.spec.name, &[]));
        Self {
            adjective: rng::pick(rng, top.adjectives).copied().unwrap_or("Classic"),
            material: rng::pick(rng, materials).copied().unwrap_or(""),
            noun,
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

/// A second sentence fitting the kind of product, so descriptions do not all read alike.
fn detail(rng: &mut Rng, department: &str, leaf: &LeafSpec) -> &'static str {
    let options: &[&str] = match (department, leaf.scheme) {
        (_, Scheme::Shoes | Scheme::KidsShoes) => &[
            "A cushioned footbed and grippy rubber sole keep it comfortable all day.",
            "Runs true to size; half sizes should size up.",
        ],
        (_, Scheme::Apparel | Scheme::KidsApparel) => &[
            "Cut for an easy fit that moves from weekday to weekend.",
            "Pre-washed for softness and finished with tonal stitching.",
            "True to size; size up for a roomier fit.",
        ],
        ("Bags & Accessories", _) => &[
            "Finished by hand and made to be used every day.",
            "Comes with a dust bag and a two-year repair promise.",
        ],
        ("Jewelry", _) => &[
            "Hypoallergenic and nickel-free.",
            "Arrives gift-ready in a recycled box.",
        ],
        ("Beauty", _) => &[
            "Dermatologist tested, vegan and cruelty-free.",
            "Free from parabens, sulfates and synthetic dyes.",
        ],
        ("Kitchen", _) if leaf.name == "Cookware" => &[
            "Oven safe and suitable for every hob, including induction.",
            "Heats evenly and sears beautifully.",
        ],
        ("Kitchen", _) => &[
            "Made to last through years of daily use.",
            "Designed in-house and tested in real kitchens.",
        ],
        ("Kids", _) => &["Tested to international toy and nursery safety standards."],
        ("Outdoor & Sports", _) => &["Field-tested by our team on trails and in the gym."],
        _ => &[
            "Designed to layer with what you already own.",
            "Made in small batches, so each piece varies slightly.",
        ],
    };
    rng::pick(rng, options).copied().unwrap_or("")
}

/// The opening words: "A relaxed tee", "An everyday tote", "Classic pumps" (plurals take none).
fn opening(adjective: &str, noun: &str) -> String {
    let plural = noun.ends_with('s') && !noun.ends_with("ss");
    let article = if plural {
        ""
    } else if adjective.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an "
    } else {
        "a "
    };
    let mut text = format!("{article}{adjective} {noun}");
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_uppercase());
    }
    text
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
    let adjective = parts.adjective.to_lowercase();
    let material = parts.material.to_lowercase();
    // Beauty lists ingredients, scents and finishes rather than materials.
    let made_of = match (department, leaf.spec.name) {
        (_, "Makeup") => format!(" with a {material} finish"),
        ("Beauty", _) => format!(" with {material}"),
        _ if material.is_empty() => String::new(),
        _ => format!(" in {material}"),
    };
    // "Hartwell & Co." already ends the sentence.
    let brand = brand.trim_end_matches('.');
    let mut text = format!(
        "{}{made_of} from {brand}. {}",
        opening(&adjective, &parts.noun.to_lowercase()),
        detail(rng, department, leaf.spec),
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

#[cfg(test)]
mod tests {
    use super::opening;

    #[test]
    fn openings_agree_with_the_noun() {
        assert_eq!(opening("everyday", "tote"), "An everyday tote");
        assert_eq!(opening("classic", "pumps"), "Classic pumps");
        assert_eq!(opening("relaxed", "midi dress"), "A relaxed midi dress");
    }
}
