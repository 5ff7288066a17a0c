//! EASE item-item regression (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data",
//! WWW 2019): every item's column of the user-item matrix `X` is regressed on all the other
//! items' columns, with a ridge penalty `λ` and a zero diagonal so that no item explains itself.
//! The closed form is `P = (XᵀX + λI)⁻¹`, `B_ij = −P_ij / P_jj` (`i ≠ j`), `B_jj = 0`, and a
//! profile's scores are `x · B`.
//!
//! Where the normalised co-occurrence credits every pair of items the same profiles hold, the
//! regression credits an item only for what the profile's *other* items do not already
//! explain (weights may be negative): two blockbusters are not recommended for each other
//! merely because everyone holds both. On MovieLens 100K that makes it far more accurate and
//! less popularity-bound than SAR (BENCHMARKS.md), which is the room a diversified list needs.
//!
//! Cost: the Gram matrix is dense over the modelled items, so the model covers the
//! [`EaseConfig::max_items`] items held by the most profiles (m² weights, about m³/2
//! multiply-adds to fit: 1,682 items ≈ 1 s); the long tail stays with the co-occurrence
//! generators.

use super::Interaction;
use super::fit::baskets;
use crate::catalog::ItemId;
use crate::error::{RankerError, Result};
use crate::scoring::top_k_indices;

/// Settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EaseConfig {
    /// Ridge penalty added to the Gram matrix's diagonal: larger values shrink the weights
    /// towards zero and favour popular items less (Steck uses a few hundred).
    pub lambda: f64,
    /// Items modelled: those held by the most profiles.
    pub max_items: usize,
}

impl Default for EaseConfig {
    /// λ = 300 (best NDCG@10 on MovieLens 100K of 100 / 300 / 1,000), 3,000 items.
    fn default() -> Self {
        Self {
            lambda: 300.0,
            max_items: 3_000,
        }
    }
}

/// The fitted weights over the modelled items.
#[derive(Debug, Clone, Default)]
pub struct EaseModel {
    /// Modelled item per model index.
    items: Vec<ItemId>,
    /// Model index per catalog item; `u32::MAX` for items not modelled.
    index: Vec<u32>,
    /// `B`, row-major: `weights[i * m + j]` is how much holding item `i` adds to item `j`.
    weights: Vec<f32>,
}

impl EaseModel {
    /// Fits the model for catalog items `0..n_items` on binary profile-item incidence
    /// (each profile's distinct items).
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for a non-positive or non-finite `lambda` or a zero
    /// `max_items`; [`RankerError::UnknownItem`] for an item outside `0..n_items`;
    /// [`RankerError::NonFinite`] for a NaN/inf weight.
    pub fn fit(n_items: usize, interactions: &[Interaction], config: &EaseConfig) -> Result<Self> {
        if !(config.lambda.is_finite() && config.lambda > 0.0) {
            return Err(RankerError::InvalidParameter {
                name: "lambda",
                reason: "must be finite and > 0",
            });
        }
        if config.max_items == 0 {
            return Err(RankerError::InvalidParameter {
                name: "max_items",
                reason: "must be at least 1",
            });
        }
        let baskets = baskets(n_items, interactions)?;
        let items = most_held(n_items, &baskets, config.max_items);
        let mut index = vec![u32::MAX; n_items];
        for (at, item) in items.iter().enumerate() {
            index[item.index()] = u32::try_from(at).unwrap_or(u32::MAX);
        }
        let m = items.len();
        let mut gram = vec![0.0f64; m * m];
        let mut held: Vec<usize> = Vec::new();
        for (_, basket) in &baskets {
            held.clear();
            held.extend(
                basket
                    .iter()
                    .map(|i| index[*i as usize])
                    .filter(|i| *i != u32::MAX)
                    .map(|i| i as usize),
            );
            for a in &held {
                for b in &held {
                    gram[a * m + b] += 1.0;
                }
            }
        }
        for i in 0..m {
            gram[i * m + i] += config.lambda;
        }
        let precision = spd_inverse(&mut gram, m)?;
        let mut weights = vec![0.0f32; m * m];
        for i in 0..m {
            for j in 0..m {
                if i != j {
                    weights[i * m + j] = (-precision[i * m + j] / precision[j * m + j]) as f32;
                }
            }
        }
        Ok(Self {
            items,
            index,
            weights,
        })
    }

    /// Number of modelled items.
    #[must_use]
    pub fn n_modelled(&self) -> usize {
        self.items.len()
    }

    /// The weight of holding `from` towards `to` (0 when either is not modelled).
    #[must_use]
    pub fn weight(&self, from: ItemId, to: ItemId) -> f32 {
        match (self.model_index(from), self.model_index(to)) {
            (Some(i), Some(j)) => self.weights[i * self.items.len() + j],
            _ => 0.0,
        }
    }

    /// Scores every modelled item as the sum of the held items' weight rows and returns the
    /// best `k` with a positive score, skipping `held` itself and `exclude`. Held items that
    /// are not modelled contribute nothing.
    #[must_use]
    pub fn recommend(&self, held: &[ItemId], k: usize, exclude: &[ItemId]) -> Vec<(ItemId, f32)> {
        let m = self.items.len();
        let mut scores = vec![0.0f32; m];
        for i in held.iter().filter_map(|h| self.model_index(*h)) {
            let row = &self.weights[i * m..(i + 1) * m];
            scores.iter_mut().zip(row).for_each(|(s, w)| *s += w);
        }
        for skip in held.iter().chain(exclude) {
            if let Some(i) = self.model_index(*skip) {
                scores[i] = f32::NEG_INFINITY;
            }
        }
        top_k_indices(&scores, k)
            .into_iter()
            .filter(|i| scores[*i] > 0.0)
            .map(|i| (self.items[i], scores[i]))
            .collect()
    }

    fn model_index(&self, item: ItemId) -> Option<usize> {
        match self.index.get(item.index()) {
            Some(&i) if i != u32::MAX => Some(i as usize),
            _ => None,
        }
    }
}

/// The (at most) `limit` items held by the most baskets, most held first (ties by id).
fn most_held(n_items: usize, baskets: &[(i64, Vec<u32>)], limit: usize) -> Vec<ItemId> {
    let mut holders = vec![0u32; n_items];
    for (_, basket) in baskets {
        basket.iter().for_each(|i| holders[*i as usize] += 1);
    }
    let mut items: Vec<u32> = (0..n_items)
        .filter(|i| holders[*i] > 0)
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    items.sort_by_key(|i| (std::cmp::Reverse(holders[*i as usize]), *i));
    items.truncate(limit);
    items.into_iter().map(ItemId).collect()
}

/// The inverse of the symmetric positive definite `m × m` matrix `a` (row-major; overwritten
/// by its Cholesky factor): `a = L Lᵀ`, `U = L⁻ᵀ` (upper triangular), `a⁻¹ = U Uᵀ`. Every
/// inner loop is a dot product of two contiguous row segments.
///
/// # Errors
/// [`RankerError::InvalidParameter`] when `a` is not positive definite (only NaN input or a
/// vanishing ridge penalty can cause it).
pub(crate) fn spd_inverse(a: &mut [f64], m: usize) -> Result<Vec<f64>> {
    let not_spd = RankerError::InvalidParameter {
        name: "lambda",
        reason: "too small: the regularised Gram matrix is not positive definite",
    };
    // Cholesky, lower triangle of `a` in place: row j's prefix dotted with row i's prefix.
    for j in 0..m {
        let (done, rest) = a.split_at_mut(j * m);
        let row_j = &mut rest[..m];
        for k in 0..j {
            let row_k = &done[k * m..k * m + m];
            let dot = dot(&row_j[..k], &row_k[..k]);
            row_j[k] = (row_j[k] - dot) / row_k[k];
        }
        let diagonal = row_j[j] - dot(&row_j[..j], &row_j[..j]);
        if !(diagonal.is_finite() && diagonal > 0.0) {
            return Err(not_spd);
        }
        row_j[j] = diagonal.sqrt();
    }
    // U = (Lᵀ)⁻¹ row by row: U[i][j] = −(Σ_{i≤k<j} U[i][k]·L[j][k]) / L[j][j].
    let mut upper = vec![0.0f64; m * m];
    for i in 0..m {
        let row = &mut upper[i * m..(i + 1) * m];
        row[i] = 1.0 / a[i * m + i];
        for j in i + 1..m {
            let l_row = &a[j * m..j * m + m];
            row[j] = -dot(&row[i..j], &l_row[i..j]) / l_row[j];
        }
    }
    // a⁻¹[i][j] = Σ_{k ≥ max(i, j)} U[i][k]·U[j][k]: suffixes of rows i and j.
    let mut inverse = vec![0.0f64; m * m];
    for i in 0..m {
        for j in i..m {
            let value = dot(
                &upper[i * m + j..(i + 1) * m],
                &upper[j * m + j..(j + 1) * m],
            );
            inverse[i * m + j] = value;
            inverse[j * m + i] = value;
        }
    }
    Ok(inverse)
}

/// Four running sums, so the additions do not wait on each other (and vectorise).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut sums = [0.0f64; 4];
    for (x, y) in a4.zip(b4) {
        for lane in 0..4 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    sums.iter().sum::<f64>() + tail
}

#[cfg(test)]
#[path = "ease_tests.rs"]
mod tests;
