//! Item vectors from the co-occurrence matrix: positive pointwise mutual information.
//!
//! `PMI(i, j) = ln(c_ij · U / (c_i · c_j)) − ln(shift)` with `c_ij` the users (or sessions) holding
//! both items, `c_i` those holding `i` and `U` all users; negative values are clipped to 0
//! (shifted PPMI: Church & Hanks 1990, Levy & Goldberg 2014). Unlike the raw co-occurrence
//! cosine, PMI divides out both items' popularity, so two blockbusters are not "similar" merely
//! because everyone watched both: each item's PPMI row says *which* items it co-occurs with more
//! than chance. Rows are returned L2-normalised, so a dot product is their cosine.

use super::{Interaction, fit::baskets};
use crate::catalog::ItemId;
use crate::error::{RankerError, Result};

/// Each item's shifted-PPMI row over the other items: sparse, sorted by item, unit length
/// (empty for an item nobody interacted with). The diagonal is left out.
///
/// Memory and time are those of the co-occurrence count itself: `O(n_items)` scratch plus the
/// non-zero pairs; the work is `Σ_users |basket|²`.
///
/// # Errors
/// [`RankerError::InvalidParameter`] for `shift` below 1 or non-finite;
/// [`RankerError::UnknownItem`] for an item outside `0..n_items`;
/// [`RankerError::NonFinite`] for a NaN/inf weight.
pub fn ppmi_rows(
    n_items: usize,
    interactions: &[Interaction],
    shift: f32,
) -> Result<Vec<Vec<(ItemId, f32)>>> {
    if !(shift.is_finite() && shift >= 1.0) {
        return Err(RankerError::InvalidParameter {
            name: "shift",
            reason: "must be finite and >= 1",
        });
    }
    let baskets = baskets(n_items, interactions)?;
    let users = baskets.len() as f64;
    // Which baskets hold each item, and how many.
    let mut holders: Vec<Vec<u32>> = vec![Vec::new(); n_items];
    for (b, (_, basket)) in baskets.iter().enumerate() {
        let b = u32::try_from(b).unwrap_or(u32::MAX);
        basket.iter().for_each(|i| holders[*i as usize].push(b));
    }
    let log_shift = f64::from(shift).ln();
    let mut counts = vec![0u32; n_items];
    let mut touched: Vec<u32> = Vec::new();
    let mut rows = Vec::with_capacity(n_items);
    for (i, own) in holders.iter().enumerate() {
        for b in own {
            for j in baskets.get(*b as usize).map_or(&[][..], |x| x.1.as_slice()) {
                if counts[*j as usize] == 0 {
                    touched.push(*j);
                }
                counts[*j as usize] += 1;
            }
        }
        touched.sort_unstable();
        let c_i = own.len() as f64;
        let mut row: Vec<(ItemId, f32)> = Vec::with_capacity(touched.len());
        for j in touched.drain(..) {
            let c_ij = f64::from(std::mem::take(&mut counts[j as usize]));
            let c_j = holders[j as usize].len() as f64;
            let pmi = (c_ij * users / (c_i * c_j)).ln() - log_shift;
            if j as usize != i && pmi > 0.0 {
                row.push((ItemId(j), pmi as f32));
            }
        }
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Cosine of two rows from [`ppmi_rows`] (a merge over their sorted items).
#[must_use]
pub fn sparse_dot(a: &[(ItemId, f32)], b: &[(ItemId, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.0.cmp(&y.0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += x.1 * y.1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
#[path = "ppmi_tests.rs"]
mod tests;
