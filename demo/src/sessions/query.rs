//! Storefront search queries a shopper might type for a leaf.

use rand::Rng as _;

use super::world::World;
use crate::rng::{self, Rng};
use crate::taxonomy::Scheme;
use crate::words::COLOURS;

/// What a search was about: the query text, the leaf it targets, and a brand if it named one.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// The typed text, lowercase.
    pub text: String,
    /// The leaf whose products the results show.
    pub leaf: usize,
    /// The brand the query named, if any.
    pub brand: Option<usize>,
}

/// A query for `leaf`: "midi dress", "black midi dress", "linen shirt", "running shoes", or a brand.
pub(crate) fn for_leaf(rng: &mut Rng, world: &World<'_>, leaf: usize) -> Query {
    let spec = world.taxonomy.leaves[leaf].spec;
    let (noun, materials) = rng::pick(rng, spec.items)
        .copied()
        .unwrap_or((spec.name, &[]));
    let noun = noun.to_lowercase();
    let coloured = matches!(
        spec.scheme,
        Scheme::Apparel | Scheme::KidsApparel | Scheme::Shoes | Scheme::KidsShoes | Scheme::Colours
    );
    let mut brand = None;
    let text = match rng.random_range(0..10) {
        0..=3 => noun,
        4 | 5 if coloured => {
            let colour = rng::pick(rng, COLOURS).map_or("black", |c| c.name);
            format!("{} {noun}", colour.to_lowercase())
        }
        4..=6 => {
            let material = rng::pick(rng, materials).copied().unwrap_or("");
            format!("{} {noun}", material.to_lowercase())
                .trim()
                .to_owned()
        }
        // Shoppers type "candles", not "candles & home fragrance".
        7 | 8 => spec
            .name
            .split(" & ")
            .next()
            .unwrap_or(spec.name)
            .to_lowercase(),
        _ => {
            let makers: Vec<usize> = (0..world.brands.len())
                .filter(|&b| world.brands[b].leaves.contains(&leaf))
                .collect();
            brand = rng::pick(rng, &makers).copied();
            brand.map_or(noun, |b| world.brands[b].brand.name.to_lowercase())
        }
    };
    Query { text, leaf, brand }
}
