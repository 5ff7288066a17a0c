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
//! JSON column beside them.
//!
//! Layout 3 takes an answer's positions from its runs (a run is a module's
//! items in consecutive slots, so an item needs no position of its own), and writes a
//! propensity as its negative natural log in steps of 1/4,096, together with the
//! exploration flag in one variable-length integer: 0 for a certain, ranked item, 2 or 3
//! bytes otherwise instead of 5. The steps keep every propensity within 0.013 % of its
//! value (an inverse-propensity weight moves as little), far inside the noise of any
//! estimate built on them. About 5 bytes an item.
//!
//! Layout 4, written since, names products by their number in the shop's catalog
//! (`product_ordinals`, 1, 2, 3…) where they have one ([`ProductRef`]): a Shopify id is a
//! 13-digit number, and two products of one answer differed by a 5-6 byte varint; numbered,
//! they differ by at most the catalog's size, 2 bytes up to 8,191 products. And it writes
//! draws only for the items that were not certain (after the items, each with the number of
//! items since the previous one), so a ranked list of certain items costs nothing for
//! them. About 2 bytes an item. The numbers are resolved by the reader
//! (`impression::answers`). Layouts 1 to 3 are still read.

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
/// 2 the items and then what was asked, 3 as 2 with positions by run and propensities as
/// log steps, 4 as 3 with products named by [`ProductRef`].
const VERSION: u8 = 4;
/// The layout with products named by their Shopify ids, still read.
const LOG_DRAWS: u8 = 3;
/// The layout without what was asked, still read.
const ITEMS_ONLY: u8 = 1;
/// The layout with positions and `f32` propensities per item, still read.
const TAGGED_DRAWS: u8 = 2;
/// Steps of a propensity's negative natural log per unit (layout 3).
const LOG_STEPS: f64 = 4_096.0;
/// The draw of an item ranked with certainty: propensity 1, not explored.
const CERTAIN: u32 = 0;

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
    /// What the answer was asked, since layout 2.
    pub asked: Option<Asked>,
    /// Layout 4: the product ids of `items` and `asked` are codes of [`ProductRef`]s
    /// ([`ProductRef::of_code`]), which the reader resolves.
    pub coded: bool,
}

/// How layout 4 names a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProductRef {
    /// Its number in the shop's catalog (`product_ordinals`), from 1.
    Ordinal(i32),
    /// Its Shopify id (positive), when it has no number.
    Id(i64),
}

impl ProductRef {
    /// The number written: a positive ordinal as it is, an id negated (Shopify ids are
    /// positive), so consecutive ordinals differ by little.
    #[must_use]
    pub fn code(self) -> i64 {
        match self {
            Self::Ordinal(ordinal) => i64::from(ordinal),
            Self::Id(id) => id.wrapping_neg(),
        }
    }

    /// The product a written number names.
    #[must_use]
    pub fn of_code(code: i64) -> Self {
        match i32::try_from(code) {
            Ok(ordinal) if ordinal > 0 => Self::Ordinal(ordinal),
            _ => Self::Id(code.wrapping_neg()),
        }
    }
}

/// The stored form of one answer's items, generic over how a layout writes module names,
/// runs and items.
#[derive(Serialize, Deserialize)]
struct Slate<M, R, I> {
    version: u8,
    modules: Vec<M>,
    /// Layouts 1 and 2: `(index into modules, consecutive items in it)`; 3: [`Run`].
    runs: Vec<R>,
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

/// A run of layout 3: items of one module in consecutive slots.
#[derive(Serialize, Deserialize)]
struct Run {
    /// Index into the slate's modules.
    module: u32,
    /// Items in the run.
    count: u32,
    /// Slots skipped before its first item (from the slot after the previous run's last).
    skipped: i64,
}

/// One item of layout 3: its product as the difference from the previous item's (from 0
/// for the first), and its draw ([`Draw3::of`]). Layout 4 writes the difference alone.
#[derive(Serialize, Deserialize)]
struct Item3 {
    product_delta: i64,
    draw: u32,
}

/// A draw of layout 4 that is not certain: the items since the previous one's (or from the
/// first item), and the draw.
#[derive(Serialize, Deserialize)]
struct Uncertain {
    skipped: u32,
    draw: u32,
}

/// An item's propensity and exploration flag as one number: the propensity's negative
/// natural log in [`LOG_STEPS`], doubled, plus 1 when explored.
struct Draw3;

impl Draw3 {
    fn of(propensity: f64, explored: bool) -> u32 {
        let steps = (-propensity.ln() * LOG_STEPS).round();
        // In (0, 1] (validated before logging) the steps are at most about 2.9 million.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to the range first"
        )]
        let steps = steps.clamp(0.0, f64::from(u32::MAX / 2)) as u32;
        steps * 2 + u32::from(explored)
    }

    fn read(draw: u32) -> (f64, bool) {
        let propensity = (-f64::from(draw / 2) / LOG_STEPS).exp();
        (propensity, draw % 2 == 1)
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

/// `items` and what the answer was `asked`, packed (layout 4), each product as `name`
/// names it.
#[must_use]
pub fn pack(items: &[ShownItem], asked: &Asked, name: impl Fn(i64) -> ProductRef) -> Vec<u8> {
    let mut names: Vec<&str> = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut products = Vec::with_capacity(items.len());
    let mut draws: Vec<Uncertain> = Vec::new();
    let (mut product, mut position, mut since_draw) = (0_i64, 0_i64, 0_u32);
    for item in items {
        let index = names
            .iter()
            .position(|m| *m == item.module)
            .unwrap_or_else(|| {
                names.push(&item.module);
                names.len() - 1
            });
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let next_slot = position + 1;
        let slot = i64::from(item.position);
        match runs.last_mut() {
            Some(run) if run.module == index && slot == next_slot => run.count += 1,
            _ => runs.push(Run {
                module: index,
                count: 1,
                skipped: slot - next_slot,
            }),
        }
        let code = name(item.product_id).code();
        products.push(code.wrapping_sub(product));
        match Draw3::of(item.propensity, item.explored) {
            CERTAIN => since_draw += 1,
            draw => {
                draws.push(Uncertain {
                    skipped: since_draw,
                    draw,
                });
                since_draw = 0;
            }
        }
        product = code;
        position = slot;
    }
    let slate = Slate {
        version: VERSION,
        modules: names.into_iter().map(Module::of).collect(),
        runs,
        items: products,
    };
    let asked = PackedAsked {
        products: asked.products.iter().map(|id| name(*id).code()).collect(),
        query: asked.query.clone(),
        page: asked.page.and_then(|page| u64::try_from(page).ok()),
    };
    // Serialising owned plain data into a Vec cannot fail.
    let mut bytes = postcard::to_allocvec(&slate).unwrap_or_default();
    bytes.extend(postcard::to_allocvec(&draws).unwrap_or_default());
    bytes.extend(postcard::to_allocvec(&asked).unwrap_or_default());
    bytes
}

/// An item as layouts 1 and 2 read it: product and position differences, propensity, and
/// whether it was explored.
type Read = (i64, i64, f64, bool);

/// The answer in packed `bytes`.
///
/// # Errors
/// [`UnpackError`] when the bytes are not a slate of a layout this version reads.
pub fn unpack(bytes: &[u8]) -> Result<Unpacked, UnpackError> {
    match bytes.first().copied() {
        Some(ITEMS_ONLY) => {
            let (slate, rest): (Slate<String, (u32, u32), ItemV1>, _) =
                postcard::take_from_bytes(bytes)?;
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
                coded: false,
            })
        }
        Some(TAGGED_DRAWS) => {
            let (slate, rest): (Slate<Module, (u32, u32), Item>, _) =
                postcard::take_from_bytes(bytes)?;
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
                items: items(&module_names(slate.modules)?, &slate.runs, read)?,
                asked: Some(read_asked(rest)?),
                coded: false,
            })
        }
        Some(LOG_DRAWS) => {
            let (slate, rest): (Slate<Module, Run, Item3>, _) = postcard::take_from_bytes(bytes)?;
            let positions = position_deltas(&slate.runs, slate.items.len())?;
            let read = slate
                .items
                .into_iter()
                .zip(positions)
                .map(|(item, position_delta)| {
                    let (propensity, explored) = Draw3::read(item.draw);
                    (item.product_delta, position_delta, propensity, explored)
                });
            Ok(Unpacked {
                items: items(&module_names(slate.modules)?, &run_pairs(&slate.runs), read)?,
                asked: Some(read_asked(rest)?),
                coded: false,
            })
        }
        Some(VERSION) => {
            let (slate, rest): (Slate<Module, Run, i64>, _) = postcard::take_from_bytes(bytes)?;
            let (uncertain, rest): (Vec<Uncertain>, _) = postcard::take_from_bytes(rest)?;
            let positions = position_deltas(&slate.runs, slate.items.len())?;
            let draws = spread_draws(&uncertain, slate.items.len())?;
            let read = slate.items.into_iter().zip(positions).zip(draws).map(
                |((product_delta, position_delta), draw)| {
                    let (propensity, explored) = Draw3::read(draw);
                    (product_delta, position_delta, propensity, explored)
                },
            );
            Ok(Unpacked {
                items: items(&module_names(slate.modules)?, &run_pairs(&slate.runs), read)?,
                asked: Some(read_asked(rest)?),
                coded: true,
            })
        }
        Some(other) => Err(UnpackError::Version(other)),
        None => Err(UnpackError::Decode(
            postcard::Error::DeserializeUnexpectedEnd,
        )),
    }
}

/// Each item's position difference from its runs (layouts 3 and 4): 1 but for the first of
/// a run, which adds the slots it skipped.
fn position_deltas(runs: &[Run], items: usize) -> Result<Vec<i64>, UnpackError> {
    let covered: u64 = runs.iter().map(|r| u64::from(r.count)).sum();
    if covered != items as u64 {
        return Err(UnpackError::Runs);
    }
    let mut deltas = Vec::with_capacity(items);
    for run in runs.iter().filter(|r| r.count > 0) {
        deltas.push(run.skipped.saturating_add(1));
        deltas.extend(std::iter::repeat_n(1, run.count as usize - 1));
    }
    Ok(deltas)
}

fn run_pairs(runs: &[Run]) -> Vec<(u32, u32)> {
    runs.iter().map(|r| (r.module, r.count)).collect()
}

/// Every item's draw (layout 4): [`CERTAIN`] but where an uncertain one is written.
fn spread_draws(uncertain: &[Uncertain], items: usize) -> Result<Vec<u32>, UnpackError> {
    let mut draws = vec![CERTAIN; items];
    let mut at = 0_usize;
    for drawn in uncertain {
        at = at.saturating_add(drawn.skipped as usize);
        *draws.get_mut(at).ok_or(UnpackError::Runs)? = drawn.draw;
        at += 1;
    }
    Ok(draws)
}

fn module_names(modules: Vec<Module>) -> Result<Vec<String>, UnpackError> {
    modules.into_iter().map(Module::name).collect()
}

/// What was asked, packed after the items (since layout 2).
fn read_asked(rest: &[u8]) -> Result<Asked, UnpackError> {
    let asked: PackedAsked = postcard::from_bytes(rest)?;
    Ok(Asked {
        products: asked.products,
        query: asked.query,
        page: asked.page.and_then(|page| usize::try_from(page).ok()),
    })
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

    /// Items equal but for propensities, which layout 3 keeps to within 0.013 %.
    fn assert_same(read: &[ShownItem], written: &[ShownItem]) {
        assert_eq!(read.len(), written.len());
        for (r, w) in read.iter().zip(written) {
            let rounded = ShownItem {
                propensity: w.propensity,
                ..r.clone()
            };
            assert_eq!(&rounded, w);
            let error = (r.propensity / w.propensity - 1.0).abs();
            assert!(
                error < 1.3e-4,
                "{} read back as {}",
                w.propensity,
                r.propensity
            );
        }
    }

    /// `bytes` unpacked, with the codes of layout 4 turned back into products: ids as they
    /// are, ordinal `n` as product `n * 1,000`.
    fn read(bytes: &[u8]) -> Unpacked {
        let mut unpacked = unpack(bytes).unwrap();
        if unpacked.coded {
            let product = |code: i64| match ProductRef::of_code(code) {
                ProductRef::Ordinal(n) => i64::from(n) * 1_000,
                ProductRef::Id(id) => id,
            };
            for item in &mut unpacked.items {
                item.product_id = product(item.product_id);
            }
            for asked in unpacked.asked.iter_mut().flat_map(|a| &mut a.products) {
                *asked = product(*asked);
            }
            unpacked.coded = false;
        }
        unpacked
    }

    /// Products `n * 1,000` by their ordinal `n`, others by id.
    fn numbered(product_id: i64) -> ProductRef {
        match i32::try_from(product_id / 1_000) {
            Ok(n) if n > 0 && product_id % 1_000 == 0 => ProductRef::Ordinal(n),
            _ => ProductRef::Id(product_id),
        }
    }

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
        let packed = pack(&items, &asked, ProductRef::Id);
        let unpacked = read(&packed);
        assert_same(&unpacked.items, &items);
        assert_eq!(unpacked.asked, Some(asked.clone()));
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
            runs: vec![(0_u32, 1_u32)],
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

    /// A product page's answer as served: 16 slots in two modules, every item ranked with
    /// a propensity below 1, products of a 3,000-product catalog (as `product(n)`).
    fn ranked_answer(product: impl Fn(i64) -> i64) -> (Vec<ShownItem>, Asked) {
        let items = (0..16)
            .map(|n: i32| {
                let module = if n < 8 {
                    "similar_items"
                } else {
                    "you_may_also_like"
                };
                let propensity = 0.97_f32 - 0.05 * n as f32;
                let product = product(i64::from((n * 733) % 3_000 + 1));
                item(product, module, n + 1, propensity)
            })
            .collect();
        let asked = Asked {
            products: vec![product(1_234)],
            ..Asked::default()
        };
        (items, asked)
    }

    #[test]
    fn catalog_numbers_save_three_bytes_an_item_over_shopify_ids() {
        // Shopify-sized ids, spread over a platform-wide counter, against the same products
        // numbered 1 to 3,000.
        let (by_id, asked_by_id) = ranked_answer(|n| 8_100_000_000_000 + n * 377_123);
        let (numbered_items, asked) = ranked_answer(|n| n * 1_000);

        let ids = pack(&by_id, &asked_by_id, ProductRef::Id);
        let numbers = pack(&numbered_items, &asked, numbered);

        assert_same(&read(&ids).items, &by_id);
        let unpacked = read(&numbers);
        assert_same(&unpacked.items, &numbered_items);
        assert_eq!(unpacked.asked, Some(asked));
        // Every item here was drawn (about 4 bytes a draw and its place): 6 bytes an item.
        assert!(numbers.len() <= 16 * 6 + 8, "{} bytes", numbers.len());
        assert!(
            numbers.len() + 17 * 3 <= ids.len(),
            "{} bytes by number, {} by id",
            numbers.len(),
            ids.len()
        );
    }

    #[test]
    fn certain_items_of_a_numbered_catalog_take_about_two_bytes_an_item() {
        // Neighbours in the catalog's numbering (a category's products are numbered
        // together), every item ranked with certainty but one explored.
        let items: Vec<ShownItem> = (0..16)
            .map(|n: i32| {
                let module = if n < 8 { "similar_items" } else { "for_you" };
                let propensity = if n == 11 { 0.05 } else { 1.0 };
                item(i64::from(40 + n * 3) * 1_000, module, n + 1, propensity)
            })
            .collect();
        let packed = pack(&items, &Asked::default(), numbered);
        assert_same(&read(&packed).items, &items);
        assert!(packed.len() <= 16 * 2 + 8, "{} bytes", packed.len());
    }

    #[test]
    fn a_slate_of_the_third_layout_still_reads() {
        let slate = Slate {
            version: LOG_DRAWS,
            modules: vec![Module::Known(0), Module::Named("feed".to_owned())],
            runs: vec![
                Run {
                    module: 0,
                    count: 2,
                    skipped: 0,
                },
                Run {
                    module: 1,
                    count: 1,
                    skipped: 2,
                },
            ],
            items: vec![
                Item3 {
                    product_delta: 42,
                    draw: CERTAIN,
                },
                Item3 {
                    product_delta: -2,
                    draw: Draw3::of(0.125, true),
                },
                Item3 {
                    product_delta: 8,
                    draw: Draw3::of(0.5, true),
                },
            ],
        };
        let mut bytes = postcard::to_allocvec(&slate).unwrap();
        let asked = PackedAsked {
            products: vec![7],
            query: Some("mug".to_owned()),
            page: Some(2),
        };
        bytes.extend(postcard::to_allocvec(&asked).unwrap());

        let unpacked = unpack(&bytes).unwrap();

        assert!(!unpacked.coded, "layout 3 names products by id");
        assert_same(
            &unpacked.items,
            &[
                item(42, "similar_items", 1, 1.0),
                item(40, "similar_items", 2, 0.125),
                item(48, "feed", 5, 0.5),
            ],
        );
        let asked = unpacked.asked.unwrap();
        assert_eq!((asked.products, asked.page), (vec![7], Some(2)));
    }

    #[test]
    fn numbered_and_unnumbered_products_mix_in_one_answer() {
        let items = vec![
            item(3_000, "a", 1, 1.0),
            item(8_100_000_742_541, "a", 2, 1.0),
            item(1_000, "b", 3, 0.5),
            item(7, "b", 4, 1.0),
        ];
        let asked = Asked {
            products: vec![2_000, 8_100_000_471_309],
            ..Asked::default()
        };
        let unpacked = read(&pack(&items, &asked, numbered));
        assert_same(&unpacked.items, &items);
        assert_eq!(unpacked.asked, Some(asked));
    }

    #[test]
    fn a_product_ref_round_trips_through_its_code() {
        for named in [
            ProductRef::Ordinal(1),
            ProductRef::Ordinal(i32::MAX),
            ProductRef::Id(1),
            ProductRef::Id(8_100_000_742_541),
            ProductRef::Id(i64::MAX),
        ] {
            assert_eq!(ProductRef::of_code(named.code()), named);
        }
    }

    #[test]
    fn positions_with_gaps_and_repeated_modules_round_trip() {
        let items = vec![
            item(5, "a", 3, 1.0),
            item(6, "a", 4, 0.5),
            item(7, "b", 9, 1.0),
            item(8, "a", 2, 0.25),
        ];
        let unpacked = read(&pack(&items, &Asked::default(), ProductRef::Id));
        assert_same(&unpacked.items, &items);
    }

    #[test]
    fn a_slate_of_the_second_layout_still_reads() {
        let slate = Slate {
            version: TAGGED_DRAWS,
            modules: vec![Module::Known(0)],
            runs: vec![(0_u32, 2_u32)],
            items: vec![
                Item {
                    product_delta: 42,
                    position_delta: 1,
                    draw: Draw::Certain,
                },
                Item {
                    product_delta: -2,
                    position_delta: 1,
                    draw: Draw::Explored(0.125),
                },
            ],
        };
        let mut bytes = postcard::to_allocvec(&slate).unwrap();
        let asked = PackedAsked {
            products: vec![7],
            query: None,
            page: None,
        };
        bytes.extend(postcard::to_allocvec(&asked).unwrap());

        let unpacked = unpack(&bytes).unwrap();

        assert_eq!(
            unpacked.items,
            [
                item(42, "similar_items", 1, 1.0),
                item(40, "similar_items", 2, 0.125)
            ]
        );
        assert_eq!(unpacked.asked.unwrap().products, [7]);
    }

    #[test]
    fn bytes_that_are_not_a_slate_are_refused() {
        let items = vec![item(1, "a", 1, 1.0), item(2, "b", 2, 0.5)];
        let mut packed = pack(&items, &Asked::default(), ProductRef::Id);
        packed[0] = 9;
        assert!(matches!(unpack(&packed), Err(UnpackError::Version(9))));
        assert!(unpack(&[]).is_err());
        assert!(unpack(&pack(&items, &Asked::default(), ProductRef::Id)[..5]).is_err());
    }

    proptest! {
        #[test]
        fn any_items_round_trip(
            raw in prop::collection::vec(
                (1_i64..i64::MAX, 0_usize..4, 1_i32..i32::MAX, prop::sample::select(vec![1.0_f32, 0.5, 0.03125, 0.9, 1e-6]), any::<bool>()),
                0..40,
            ),
            asked_products in prop::collection::vec(1_i64..i64::MAX, 0..20),
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
            // Shopify ids are positive; products that are multiples of 1,000 get numbers.
            let unpacked = read(&pack(&items, &asked, numbered));
            assert_same(&unpacked.items, &items);
            prop_assert_eq!(unpacked.asked, Some(asked));
        }

        #[test]
        fn any_bytes_unpack_or_fail_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = unpack(&bytes);
        }
    }
}
