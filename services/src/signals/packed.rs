//! An impression's shown items, and their packed form for storage (`impressions.packed`):
//! what attribution and off-policy evaluation read, in about 8 bytes an item instead of about
//! 95 as JSON.
//!
//! The module names are written once per answer and items refer to them by runs (an
//! answer's modules are consecutive); product ids and positions are written as differences
//! from the previous item's, as variable-length integers (postcard), since a list's ids are
//! close and its positions count up by one; a propensity is written only when it is not 1.
//! Propensities are kept as `f32`, the precision the ranker serves them in.
//!
//! Layout 2 writes the policies' module names as one byte each, an item's exploration flag
//! and propensity as one tagged value, and after the items what the answer was asked
//! ([`Asked`]: the page's product, the cart's lines, a search's query and page), instead of a
//! JSON column beside them. Layout 1 (items only) is still read.

use serde::{Deserialize, Serialize};

/// One shown item of an answer (stored packed; as JSON in `impressions.items` of older rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownItem {
    /// Product.
    pub product_id: i64,
    /// Module of the answer it was shown in.
    pub module: String,
    /// Slot, counted across the answer's modules from 1.
    pub position: i32,
    /// Probability the item had of being shown there.
    pub propensity: f64,
    /// Whether an exploration draw put it there.
    pub explored: bool,
}

/// What an answer was asked beyond the shopper: what serving it again needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asked {
    /// The products it was about: the page's product, then the cart's lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<i64>,
    /// A search's query, as typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// A search's page (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<usize>,
}

/// Layout version, the first field, so a later layout can be told apart: 1 holds the items,
/// 2 the items and then what was asked.
const VERSION: u8 = 2;
/// The layout without what was asked, still read.
const ITEMS_ONLY: u8 = 1;

/// [`Asked`] as postcard writes it: every field, in order (postcard cannot skip one).
#[derive(Serialize, Deserialize)]
struct PackedAsked {
    products: Vec<i64>,
    query: Option<String>,
    page: Option<u64>,
}

/// A stored answer: its items, and what it was asked (`None` in layout 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Unpacked {
    /// The shown items, in order.
    pub items: Vec<ShownItem>,
    /// What the answer was asked, in layout 2.
    pub asked: Option<Asked>,
}

/// The stored form of one answer's items, generic over how a layout writes module names
/// and items.
#[derive(Serialize, Deserialize)]
struct Slate<M, I> {
    version: u8,
    modules: Vec<M>,
    /// `(index into modules, consecutive items in it)`.
    runs: Vec<(u32, u32)>,
    items: Vec<I>,
}

/// Module names every surface's policies use, written as their index here (layout 2). The
/// list is only ever appended to: stored slates refer to these places.
const KNOWN_MODULES: [&str; 13] = [
    "similar_items",
    "you_may_also_like",
    "complete_the_look",
    "complete_your_order",
    "accessories",
    "for_you",
    "picked_for_you",
    "popular_and_new",
    "last_chance",
    "search_recs",
    "search_results",
    "category_products",
    "email",
];

/// A module name in layout 2: a place in [`KNOWN_MODULES`], or the name itself.
#[derive(Serialize, Deserialize)]
enum Module {
    Known(u8),
    Named(String),
}

impl Module {
    fn of(name: &str) -> Self {
        KNOWN_MODULES
            .iter()
            .position(|known| *known == name)
            .and_then(|index| u8::try_from(index).ok())
            .map_or_else(|| Self::Named(name.to_owned()), Self::Known)
    }

    fn name(self) -> Result<String, UnpackError> {
        match self {
            Self::Known(index) => KNOWN_MODULES
                .get(usize::from(index))
                .map(|name| (*name).to_owned())
                .ok_or(UnpackError::Runs),
            Self::Named(name) => Ok(name),
        }
    }
}

/// One item of layout 2: differences from the previous item (from 0 for the first).
#[derive(Serialize, Deserialize)]
struct Item {
    product_delta: i64,
    position_delta: i64,
    draw: Draw,
}

/// How an item came to its slot, with its propensity unless it was certain.
#[derive(Serialize, Deserialize)]
enum Draw {
    /// Ranked there with certainty (propensity 1).
    Certain,
    /// Ranked there with this propensity.
    Ranked(f32),
    /// Put there by an exploration draw with this propensity.
    Explored(f32),
}

/// One item of layout 1.
#[derive(Serialize, Deserialize)]
struct ItemV1 {
    product_delta: i64,
    position_delta: i64,
    /// `None` for an item certain to be shown there (propensity 1).
    propensity: Option<f32>,
    explored: bool,
}

/// Why stored bytes are not a slate.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// Not postcard of the slate's layout.
    #[error("not a packed slate: {0}")]
    Decode(#[from] postcard::Error),
    /// A layout this version does not read.
    #[error("packed slate version {0} is not known")]
    Version(u8),
    /// Runs that do not cover the items, or name a module that is not there.
    #[error("packed slate runs do not match its items")]
    Runs,
}

/// `items` and what the answer was `asked`, packed.
#[must_use]
pub fn pack(items: &[ShownItem], asked: &Asked) -> Vec<u8> {
    let mut names: Vec<&str> = Vec::new();
    let mut runs: Vec<(u32, u32)> = Vec::new();
    let mut packed = Vec::with_capacity(items.len());
    let (mut product, mut position) = (0_i64, 0_i64);
    for item in items {
        let index = names
            .iter()
            .position(|m| *m == item.module)
            .unwrap_or_else(|| {
                names.push(&item.module);
                names.len() - 1
            });
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        match runs.last_mut() {
            Some((module, count)) if *module == index => *count += 1,
            _ => runs.push((index, 1)),
        }
        #[expect(
            clippy::cast_possible_truncation,
            reason = "served propensities are f32; the f64 only carries them"
        )]
        let propensity = item.propensity as f32;
        packed.push(Item {
            product_delta: item.product_id.wrapping_sub(product),
            position_delta: i64::from(item.position) - position,
            draw: match (item.explored, item.propensity == 1.0) {
                (true, _) => Draw::Explored(propensity),
                (false, true) => Draw::Certain,
                (false, false) => Draw::Ranked(propensity),
            },
        });
        product = item.product_id;
        position = i64::from(item.position);
    }
    let slate = Slate {
        version: VERSION,
        modules: names.into_iter().map(Module::of).collect(),
        runs,
        items: packed,
    };
    let asked = PackedAsked {
        products: asked.products.clone(),
        query: asked.query.clone(),
        page: asked.page.and_then(|page| u64::try_from(page).ok()),
    };
    // Serialising owned plain data into a Vec cannot fail.
    let mut bytes = postcard::to_allocvec(&slate).unwrap_or_default();
    bytes.extend(postcard::to_allocvec(&asked).unwrap_or_default());
    bytes
}

/// An item as both layouts read it: product and position differences, propensity, and
/// whether it was explored.
type Read = (i64, i64, f64, bool);

/// The answer in packed `bytes`.
///
/// # Errors
/// [`UnpackError`] when the bytes are not a slate of a layout this version reads.
pub fn unpack(bytes: &[u8]) -> Result<Unpacked, UnpackError> {
    match bytes.first().copied() {
        Some(ITEMS_ONLY) => {
            let (slate, rest): (Slate<String, ItemV1>, _) = postcard::take_from_bytes(bytes)?;
            if !rest.is_empty() {
                return Err(UnpackError::Decode(postcard::Error::DeserializeBadEncoding));
            }
            let read = slate.items.into_iter().map(|item| {
                let propensity = item.propensity.map_or(1.0, f64::from);
                (
                    item.product_delta,
                    item.position_delta,
                    propensity,
                    item.explored,
                )
            });
            Ok(Unpacked {
                items: items(&slate.modules, &slate.runs, read)?,
                asked: None,
            })
        }
        Some(VERSION) => {
            let (slate, rest): (Slate<Module, Item>, _) = postcard::take_from_bytes(bytes)?;
            let asked: PackedAsked = postcard::from_bytes(rest)?;
            let modules = slate
                .modules
                .into_iter()
                .map(Module::name)
                .collect::<Result<Vec<_>, _>>()?;
            let read = slate.items.into_iter().map(|item| {
                let (propensity, explored) = match item.draw {
                    Draw::Certain => (1.0, false),
                    Draw::Ranked(p) => (f64::from(p), false),
                    Draw::Explored(p) => (f64::from(p), true),
                };
                (
                    item.product_delta,
                    item.position_delta,
                    propensity,
                    explored,
                )
            });
            Ok(Unpacked {
                items: items(&modules, &slate.runs, read)?,
                asked: Some(Asked {
                    products: asked.products,
                    query: asked.query,
                    page: asked.page.and_then(|page| usize::try_from(page).ok()),
                }),
            })
        }
        Some(other) => Err(UnpackError::Version(other)),
        None => Err(UnpackError::Decode(
            postcard::Error::DeserializeUnexpectedEnd,
        )),
    }
}

/// The items of a decoded slate: module names by run, and each item's differences.
fn items(
    modules: &[String],
    runs: &[(u32, u32)],
    read: impl ExactSizeIterator<Item = Read>,
) -> Result<Vec<ShownItem>, UnpackError> {
    let covered: u64 = runs.iter().map(|(_, n)| u64::from(*n)).sum();
    if covered != read.len() as u64 {
        return Err(UnpackError::Runs);
    }
    let names = runs
        .iter()
        .map(|(module, count)| {
            let name = usize::try_from(*module)
                .ok()
                .and_then(|m| modules.get(m))
                .ok_or(UnpackError::Runs)?;
            Ok(std::iter::repeat_n(
                name,
                usize::try_from(*count).unwrap_or(0),
            ))
        })
        .collect::<Result<Vec<_>, UnpackError>>()?;
    let (mut product, mut position) = (0_i64, 0_i64);
    Ok(names
        .into_iter()
        .flatten()
        .zip(read)
        .map(
            |(module, (product_delta, position_delta, propensity, explored))| {
                product = product.wrapping_add(product_delta);
                position = position.saturating_add(position_delta);
                ShownItem {
                    product_id: product,
                    module: module.clone(),
                    position: i32::try_from(position).unwrap_or(i32::MAX),
                    propensity,
                    explored,
                }
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn item(product_id: i64, module: &str, position: i32, propensity: f32) -> ShownItem {
        ShownItem {
            product_id,
            module: module.to_owned(),
            position,
            propensity: f64::from(propensity),
            explored: propensity < 1.0,
        }
    }

    #[test]
    fn an_answer_round_trips_in_a_tenth_of_its_json() {
        let ids = [
            8_100_000_742_541,
            8_100_000_471_309,
            8_100_001_228_880,
            8_100_000_732_923,
        ];
        let items: Vec<ShownItem> = (0..16)
            .map(|n| {
                let module = ["similar_items", "you_may_also_like", "complete_the_look"][n / 6];
                let propensity = if n == 4 { 0.0625 } else { 1.0 };
                item(ids[n % 4] + n as i64, module, n as i32 + 1, propensity)
            })
            .collect();
        let asked = Asked {
            products: vec![ids[0]],
            ..Asked::default()
        };
        let packed = pack(&items, &asked);
        let unpacked = unpack(&packed).unwrap();
        assert_eq!(
            (unpacked.items, unpacked.asked),
            (items.clone(), Some(asked.clone()))
        );
        let json = serde_json::to_vec(&(&items, &asked)).unwrap().len();
        assert!(
            packed.len() * 10 < json,
            "{} bytes against {json}",
            packed.len()
        );
    }

    #[test]
    fn a_slate_of_the_first_layout_reads_without_what_was_asked() {
        let slate = Slate {
            version: ITEMS_ONLY,
            modules: vec!["similar".to_owned()],
            runs: vec![(0, 1)],
            items: vec![ItemV1 {
                product_delta: 42,
                position_delta: 1,
                propensity: None,
                explored: false,
            }],
        };
        let bytes = postcard::to_allocvec(&slate).unwrap();

        let unpacked = unpack(&bytes).unwrap();

        assert_eq!(unpacked.items, [item(42, "similar", 1, 1.0)]);
        assert_eq!(unpacked.asked, None);
        let mut trailing = bytes;
        trailing.push(0);
        assert!(unpack(&trailing).is_err(), "layout 1 ends with its items");
    }

    #[test]
    fn bytes_that_are_not_a_slate_are_refused() {
        let items = vec![item(1, "a", 1, 1.0), item(2, "b", 2, 0.5)];
        let mut packed = pack(&items, &Asked::default());
        packed[0] = 9;
        assert!(matches!(unpack(&packed), Err(UnpackError::Version(9))));
        assert!(unpack(&[]).is_err());
        assert!(unpack(&pack(&items, &Asked::default())[..5]).is_err());
    }

    proptest! {
        #[test]
        fn any_items_round_trip(
            raw in prop::collection::vec(
                (any::<i64>(), 0_usize..4, 1_i32..i32::MAX, prop::sample::select(vec![1.0_f32, 0.5, 0.03125, 0.9]), any::<bool>()),
                0..40,
            ),
            asked_products in prop::collection::vec(any::<i64>(), 0..20),
            query in prop::option::of(".{0,40}"),
            page in prop::option::of(1_usize..1_000),
        ) {
            let items: Vec<ShownItem> = raw
                .into_iter()
                .map(|(id, module, position, propensity, explored)| ShownItem {
                    product_id: id,
                    // Names of the policies' dictionary and names of its own.
                    module: ["m0", "similar_items", "email", "feed_cohort"][module].to_owned(),
                    position,
                    propensity: f64::from(propensity),
                    explored,
                })
                .collect();
            let asked = Asked { products: asked_products, query, page };
            let unpacked = unpack(&pack(&items, &asked)).unwrap();
            prop_assert_eq!(unpacked.items, items);
            prop_assert_eq!(unpacked.asked, Some(asked));
        }

        #[test]
        fn any_bytes_unpack_or_fail_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = unpack(&bytes);
        }
    }
}
