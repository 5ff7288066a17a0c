//! Popularity with recency decay ("trending").

use super::cooccurrence::{Interaction, decay};
use crate::catalog::ItemId;
use crate::error::{Result, finite};
use crate::scoring::top_k_indices;

/// The `k` most popular items, each event counting `weight · 2^(−age/half_life)` at `now`.
/// Items outside `0..n_items` are ignored.
///
/// # Errors
/// [`crate::RankerError::NonFinite`] for a NaN/inf weight.
pub fn trending(
    n_items: usize,
    events: &[Interaction],
    now: i64,
    half_life_secs: f64,
    k: usize,
) -> Result<Vec<(ItemId, f32)>> {
    let mut score = vec![0.0f32; n_items];
    for e in events {
        let w = finite(e.weight, "interaction weight")?;
        if let Some(s) = score.get_mut(e.item.index()) {
            *s += w * decay(now, e.at, Some(half_life_secs));
        }
    }
    Ok(top_k_indices(&score, k)
        .into_iter()
        .filter(|i| score[*i] > 0.0)
        .map(|i| (ItemId(u32::try_from(i).unwrap_or(u32::MAX)), score[i]))
        .collect())
}
