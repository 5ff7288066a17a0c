//! New arrivals: recently created, in-stock items.

use crate::catalog::{Catalog, ItemId};
use crate::scoring::top_k_indices;

/// The `k` newest in-stock items created within `window_secs` before `now`, scored
/// `1 − age/window` (items "from the future" count as brand new).
#[must_use]
pub fn new_arrivals(catalog: &Catalog, now: i64, window_secs: i64, k: usize) -> Vec<(ItemId, f32)> {
    let window = window_secs.max(1);
    let scores: Vec<f32> = catalog
        .items()
        .iter()
        .map(|item| {
            let age = (now - item.created_at).max(0);
            let fresh = 1.0 - age as f32 / window as f32;
            if item.in_stock && age <= window {
                fresh.max(f32::MIN_POSITIVE)
            } else {
                0.0
            }
        })
        .collect();
    top_k_indices(&scores, k)
        .into_iter()
        .filter(|i| scores[*i] > 0.0)
        .map(|i| (ItemId(u32::try_from(i).unwrap_or(u32::MAX)), scores[i]))
        .collect()
}
