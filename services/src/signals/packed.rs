//! An impression's shown items, and their packed form for storage (`impressions.packed`):
//! what attribution and off-policy evaluation read, in about 8 bytes an item instead of about
//! 95 as JSON.
//!
//! The module names are written once per answer and items refer to them by runs (an
//! answer's modules are consecutive); product ids and positions are written as differences
//! from the previous item's, as variable-length integers (postcard), since a list's ids are
//! close and its positions count up by one; a propensity is written only when it is not 1.
//! Propensities are kept as `f32`, the precision the ranker serves them in.

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

/// Layout version, the first field, so a later layout can be told apart.
const VERSION: u8 = 1;

/// The stored form of one answer's items.
#[derive(Serialize, Deserialize)]
struct Slate {
    version: u8,
    modules: Vec<String>,
    /// `(index into modules, consecutive items in it)`.
    runs: Vec<(u32, u32)>,
    items: Vec<Item>,
}

/// One item: differences from the previous item (from 0 for the first).
#[derive(Serialize, Deserialize)]
struct Item {
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

/// `items`, packed.
#[must_use]
pub fn pack(items: &[ShownItem]) -> Vec<u8> {
    let mut modules: Vec<String> = Vec::new();
    let mut runs: Vec<(u32, u32)> = Vec::new();
    let mut packed = Vec::with_capacity(items.len());
    let (mut product, mut position) = (0_i64, 0_i64);
    for item in items {
        let index = modules
            .iter()
            .position(|m| *m == item.module)
            .unwrap_or_else(|| {
                modules.push(item.module.clone());
                modules.len() - 1
            });
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        match runs.last_mut() {
            Some((module, count)) if *module == index => *count += 1,
            _ => runs.push((index, 1)),
        }
        packed.push(Item {
            product_delta: item.product_id.wrapping_sub(product),
            position_delta: i64::from(item.position) - position,
            #[expect(
                clippy::cast_possible_truncation,
                reason = "served propensities are f32; the f64 only carries them"
            )]
            propensity: (item.propensity != 1.0).then_some(item.propensity as f32),
            explored: item.explored,
        });
        product = item.product_id;
        position = i64::from(item.position);
    }
    let slate = Slate {
        version: VERSION,
        modules,
        runs,
        items: packed,
    };
    // Serialising owned plain data into a Vec cannot fail.
    postcard::to_allocvec(&slate).unwrap_or_default()
}

/// The items of packed `bytes`.
///
/// # Errors
/// [`UnpackError`] when the bytes are not a slate this version wrote.
pub fn unpack(bytes: &[u8]) -> Result<Vec<ShownItem>, UnpackError> {
    let slate: Slate = postcard::from_bytes(bytes)?;
    if slate.version != VERSION {
        return Err(UnpackError::Version(slate.version));
    }
    let covered: u64 = slate.runs.iter().map(|(_, n)| u64::from(*n)).sum();
    if covered != slate.items.len() as u64 {
        return Err(UnpackError::Runs);
    }
    let modules = slate
        .runs
        .iter()
        .map(|(module, count)| {
            let name = usize::try_from(*module)
                .ok()
                .and_then(|m| slate.modules.get(m))
                .ok_or(UnpackError::Runs)?;
            Ok(std::iter::repeat_n(
                name,
                usize::try_from(*count).unwrap_or(0),
            ))
        })
        .collect::<Result<Vec<_>, UnpackError>>()?;
    let (mut product, mut position) = (0_i64, 0_i64);
    Ok(modules
        .into_iter()
        .flatten()
        .zip(slate.items)
        .map(|(module, item)| {
            product = product.wrapping_add(item.product_delta);
            position = position.saturating_add(item.position_delta);
            ShownItem {
                product_id: product,
                module: module.clone(),
                position: i32::try_from(position).unwrap_or(i32::MAX),
                propensity: item.propensity.map_or(1.0, f64::from),
                explored: item.explored,
            }
        })
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
        let packed = pack(&items);
        assert_eq!(unpack(&packed).unwrap(), items);
        let json = serde_json::to_vec(&items).unwrap().len();
        assert!(
            packed.len() * 10 < json,
            "{} bytes against {json}",
            packed.len()
        );
    }

    #[test]
    fn bytes_that_are_not_a_slate_are_refused() {
        let items = vec![item(1, "a", 1, 1.0), item(2, "b", 2, 0.5)];
        let mut packed = pack(&items);
        packed[0] = 9;
        assert!(matches!(unpack(&packed), Err(UnpackError::Version(9))));
        assert!(unpack(&[]).is_err());
        assert!(unpack(&pack(&items)[..5]).is_err());
    }

    proptest! {
        #[test]
        fn any_items_round_trip(
            raw in prop::collection::vec(
                (any::<i64>(), 0_usize..4, 1_i32..i32::MAX, prop::sample::select(vec![1.0_f32, 0.5, 0.03125, 0.9]), any::<bool>()),
                0..40,
            )
        ) {
            let items: Vec<ShownItem> = raw
                .into_iter()
                .map(|(id, module, position, propensity, explored)| ShownItem {
                    product_id: id,
                    module: format!("m{module}"),
                    position,
                    propensity: f64::from(propensity),
                    explored,
                })
                .collect();
            prop_assert_eq!(unpack(&pack(&items)).unwrap(), items);
        }

        #[test]
        fn any_bytes_unpack_or_fail_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = unpack(&bytes);
        }
    }
}
