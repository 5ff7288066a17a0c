//! Variant families: which option combinations a product comes in.

use rand::Rng as _;

use crate::rng::{self, Rng};
use crate::taxonomy::Scheme;
use crate::words::{COLOURS, Colour};

const LETTER_SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];
const KIDS_SIZES: &[&str] = &["2T", "3T", "4T", "5Y", "6Y", "8Y", "10Y"];
const SHOE_SIZES: &[&str] = &["5", "6", "7", "8", "9", "10", "11", "12", "13"];
const KIDS_SHOE_SIZES: &[&str] = &["5", "6", "7", "8", "9", "10", "11", "12"];
const RING_SIZES: &[&str] = &["5", "6", "7", "8", "9"];
const METALS: &[(&str, u16)] = &[("Gold", 45), ("Silver", 210), ("Rose Gold", 15)];
const SHADES: &[&str] = &[
    "Nude", "Rose", "Berry", "Coral", "Mauve", "Brick", "Petal", "Cocoa",
];
const SETS: &[&str] = &["Set of 2", "Set of 4", "Set of 6"];
/// Price multiplier of the k-th larger size relative to the smallest offered.
const SIZE_STEPS: &[f64] = &[1.0, 1.55, 2.2, 2.9];
const SET_STEPS: &[f64] = &[1.0, 1.8, 2.5];
/// Shopify's limit is 100 variants; a dozen keeps the demo's grids readable.
const MAX_VARIANTS: usize = 12;

/// One planned variant: its options, its price relative to the product's base, and a hue.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VariantPlan {
    /// Option name/value pairs.
    pub options: Vec<(String, String)>,
    /// Multiplier on the product's base price.
    pub price_factor: f64,
    /// Hue of the variant's colour or metal, when it has one.
    pub hue: Option<u16>,
}

/// Plans a product's variant family for a leaf's scheme.
pub(crate) fn plan(rng: &mut Rng, scheme: Scheme) -> Vec<VariantPlan> {
    match scheme {
        Scheme::Apparel => size_grid(rng, LETTER_SIZES, (3, 6), (2, 4)),
        Scheme::KidsApparel => size_grid(rng, KIDS_SIZES, (3, 5), (1, 3)),
        Scheme::Shoes => size_grid(rng, SHOE_SIZES, (4, 6), (1, 2)),
        Scheme::KidsShoes => size_grid(rng, KIDS_SHOE_SIZES, (4, 5), (1, 2)),
        Scheme::Colours => {
            let n = rng.random_range(1..=3);
            colours(rng, n)
                .into_iter()
                .map(|c| colour_plan(c, &[]))
                .collect()
        }
        Scheme::Metal => metals(rng, 3)
            .into_iter()
            .map(|m| metal_plan(m, &[]))
            .collect(),
        Scheme::Rings => {
            let sizes = window(rng, RING_SIZES, (4, 5));
            let mut plans = Vec::new();
            for metal in metals(rng, 2) {
                for size in sizes {
                    plans.push(metal_plan(metal, &[("Size", size)]));
                }
            }
            plans
        }
        Scheme::Sized(labels) => stepped(window(rng, labels, (1, 3)), "Size", SIZE_STEPS),
        Scheme::SetOf => stepped(window(rng, SETS, (1, 2)), "Quantity", SET_STEPS),
        Scheme::Shade => {
            let n = rng.random_range(1..=3);
            let picked = rng::distinct(rng, SHADES.len(), n);
            picked
                .into_iter()
                .map(|i| single_option("Shade", SHADES[i], 1.0))
                .collect()
        }
        Scheme::Single => vec![single_option("Title", "Default Title", 1.0)],
    }
}

/// A contiguous run of `min..=max` labels, so a product spans neighbouring sizes.
fn window<'a>(rng: &mut Rng, labels: &'a [&'a str], (min, max): (usize, usize)) -> &'a [&'a str] {
    if labels.is_empty() {
        return labels;
    }
    let n = rng.random_range(min..=max).clamp(1, labels.len());
    let start = rng.random_range(0..=labels.len() - n);
    &labels[start..start + n]
}

fn colours(rng: &mut Rng, n: usize) -> Vec<Colour> {
    rng::distinct(rng, COLOURS.len(), n)
        .into_iter()
        .map(|i| COLOURS[i])
        .collect()
}

fn metals(rng: &mut Rng, max: usize) -> Vec<(&'static str, u16)> {
    let n = rng.random_range(1..=max);
    rng::distinct(rng, METALS.len(), n)
        .into_iter()
        .map(|i| METALS[i])
        .collect()
}

/// Sizes × colours, size-major like Shopify lists them, capped at [`MAX_VARIANTS`].
fn size_grid(
    rng: &mut Rng,
    labels: &[&str],
    sizes: (usize, usize),
    colour_range: (usize, usize),
) -> Vec<VariantPlan> {
    let sizes = window(rng, labels, sizes);
    let wanted = rng.random_range(colour_range.0..=colour_range.1);
    let n_colours = wanted.min(MAX_VARIANTS / sizes.len().max(1)).max(1);
    let colours = colours(rng, n_colours);
    let mut plans = Vec::new();
    for size in sizes {
        for &colour in &colours {
            plans.push(colour_plan(colour, &[("Size", size)]));
        }
    }
    plans
}

fn colour_plan(colour: Colour, before: &[(&str, &str)]) -> VariantPlan {
    let mut options = owned(before);
    options.push(("Color".to_owned(), colour.name.to_owned()));
    VariantPlan {
        options,
        price_factor: 1.0,
        hue: Some(colour.hue),
    }
}

fn metal_plan((metal, hue): (&str, u16), after: &[(&str, &str)]) -> VariantPlan {
    let mut options = vec![("Metal".to_owned(), metal.to_owned())];
    options.extend(owned(after));
    VariantPlan {
        options,
        price_factor: 1.0,
        hue: Some(hue),
    }
}

fn stepped(labels: &[&str], option: &str, steps: &[f64]) -> Vec<VariantPlan> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| single_option(option, label, steps.get(i).copied().unwrap_or(1.0)))
        .collect()
}

fn single_option(name: &str, value: &str, price_factor: f64) -> VariantPlan {
    VariantPlan {
        options: vec![(name.to_owned(), value.to_owned())],
        price_factor,
        hue: None,
    }
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stage, stage_rng};

    #[test]
    fn apparel_families_are_size_by_colour_grids_of_at_most_twelve() {
        let mut rng = stage_rng(3, Stage::Catalog);
        for _ in 0..200 {
            let plans = plan(&mut rng, Scheme::Apparel);
            assert!((3..=MAX_VARIANTS).contains(&plans.len()), "{}", plans.len());
            assert!(
                plans
                    .iter()
                    .all(|p| p.options[0].0 == "Size" && p.options[1].0 == "Color")
            );
        }
    }

    #[test]
    fn other_families_have_one_to_three_variants() {
        let mut rng = stage_rng(4, Stage::Catalog);
        for scheme in [
            Scheme::Colours,
            Scheme::Metal,
            Scheme::Shade,
            Scheme::SetOf,
            Scheme::Single,
        ] {
            for _ in 0..50 {
                assert!((1..=3).contains(&plan(&mut rng, scheme).len()));
            }
        }
    }
}
