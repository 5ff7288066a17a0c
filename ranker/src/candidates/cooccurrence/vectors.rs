//! Behaviour vectors: a `dim`-long vector per item whose dot products approximate the cosine
//! of the items' profile-incidence rows (how alike the audiences of two items are), for
//! catalogs without content embeddings.
//!
//! The re-rankers' kernels only see categories, brands and attributes on a shop's catalog.
//! On MovieLens a kernel of that kind spends NDCG on category spread and barely moves catalog
//! coverage, while the behavioural cosine is the similarity whose diversification pays
//! (BENCHMARKS.md). Item vectors put that cosine in the catalog's embedding slot, where every
//! re-ranker and the content generator already read it. At rank 64 the kernel is tighter than
//! the exact cosine (the kept directions are the shared ones), so a DPP over it needs a larger
//! α for the same trade-off (about 3 where the exact cosine needs about 0.85 on MovieLens).
//!
//! Method: a randomised truncated SVD (Halko, Martinsson & Tropp 2011) of the item × profile
//! incidence matrix `A` whose rows are scaled to unit length, so `AAᵀ` is the cosine matrix.
//! A random sketch `Y = AΩ` with `dim + oversample` columns, refined by power iterations,
//! gives an orthonormal basis `Q` of `A`'s dominant row space; the small symmetric matrix
//! `M = (QᵀA)(QᵀA)ᵀ = ZΛZᵀ` is diagonalised by cyclic Jacobi rotations, and the item vectors
//! are the rows of `QZΛ^½` cut to the `dim` largest eigenvalues, rescaled to unit length.
//! Cost: a few sparse passes over the interactions and dense work on `items × (dim +
//! oversample)`; no item × item matrix.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Interaction;
use super::fit::baskets;
use crate::error::{RankerError, Result};

/// Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorConfig {
    /// Length of each item vector.
    pub dim: usize,
    /// Extra sketch columns beyond `dim`, which make the leading directions accurate.
    pub oversample: usize,
    /// Power iterations: each sharpens the sketch towards the dominant directions.
    pub power_iterations: usize,
    /// Seed of the random sketch (fixed, so a retrain on the same data gives the same vectors).
    pub seed: u64,
}

impl Default for VectorConfig {
    /// 64 dimensions (the catalog's embedding size in the benchmarks), 10 extra columns,
    /// 2 power iterations (Halko et al.'s usual choice for slowly decaying spectra).
    fn default() -> Self {
        Self {
            dim: 64,
            oversample: 10,
            power_iterations: 2,
            seed: 0,
        }
    }
}

/// Below this a column or row norm counts as zero (the data has lower rank than the sketch).
const TINY: f64 = 1e-10;
/// Jacobi stops after this many sweeps even if rotations remain (never reached in practice:
/// cyclic Jacobi converges quadratically).
const MAX_SWEEPS: usize = 60;

/// Item vectors for catalog items `0..n_items` from binary profile-item incidence (each
/// profile's distinct items): one row of length `config.dim` per item, unit length for every
/// item some profile holds and all zeros for the others.
///
/// # Errors
/// [`RankerError::InvalidParameter`] for a zero `dim`; [`RankerError::UnknownItem`] for an
/// item outside `0..n_items`; [`RankerError::NonFinite`] for a NaN/inf weight.
pub fn behaviour_vectors(
    n_items: usize,
    interactions: &[Interaction],
    config: &VectorConfig,
) -> Result<Vec<Vec<f32>>> {
    if config.dim == 0 {
        return Err(RankerError::InvalidParameter {
            name: "dim",
            reason: "must be at least 1",
        });
    }
    let incidence = Incidence::new(n_items, interactions)?;
    let k = (config.dim + config.oversample).min(incidence.rank_bound());
    if k == 0 {
        return Ok(vec![vec![0.0; config.dim]; n_items]);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let omega = Dense::from_fn(incidence.profiles, k, |_, _| gaussian(&mut rng));
    let mut q = incidence.times(&omega);
    orthonormalise(&mut q);
    for _ in 0..config.power_iterations {
        let mut z = incidence.transpose_times(&q);
        orthonormalise(&mut z);
        q = incidence.times(&z);
        orthonormalise(&mut q);
    }
    let bt = incidence.transpose_times(&q);
    let (values, vectors) = jacobi_eigen(bt.gram());
    Ok(item_rows(&q, &values, &vectors, config.dim))
}

/// A standard normal draw (Box-Muller). A Gaussian sketch spans the data's row space with
/// probability 1; a ±1 sketch of a small matrix is singular often enough to lose a direction.
fn gaussian(rng: &mut impl Rng) -> f64 {
    let radius = (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt();
    radius * (std::f64::consts::TAU * rng.random::<f64>()).cos()
}

/// `QZΛ^½` for the `dim` largest eigenvalues, each row rescaled to unit length.
fn item_rows(q: &Dense, values: &[f64], vectors: &Dense, dim: usize) -> Vec<Vec<f32>> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*b].total_cmp(&values[*a]));
    order.truncate(dim);
    let scale: Vec<f64> = order.iter().map(|&t| values[t].max(0.0).sqrt()).collect();
    (0..q.rows)
        .map(|i| {
            let qi = q.row(i);
            let mut row: Vec<f64> = order
                .iter()
                .zip(&scale)
                .map(|(&t, s)| s * (0..q.cols).map(|j| qi[j] * vectors.at(j, t)).sum::<f64>())
                .collect();
            row.resize(dim, 0.0);
            let norm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
            let inv = if norm > TINY { 1.0 / norm } else { 0.0 };
            row.iter().map(|x| (x * inv) as f32).collect()
        })
        .collect()
}

/// The item × profile incidence with unit rows, stored by item.
struct Incidence {
    /// Per item, the profiles that hold it.
    holders: Vec<Vec<u32>>,
    /// Per item, `1 / √(holders)` (0 for an item nobody holds).
    scale: Vec<f64>,
    profiles: usize,
}

impl Incidence {
    fn new(n_items: usize, interactions: &[Interaction]) -> Result<Self> {
        let baskets = baskets(n_items, interactions)?;
        let mut holders = vec![Vec::new(); n_items];
        for (profile, (_, basket)) in baskets.iter().enumerate() {
            let profile = u32::try_from(profile).unwrap_or(u32::MAX);
            for item in basket {
                holders[*item as usize].push(profile);
            }
        }
        let scale = holders
            .iter()
            .map(|h| {
                if h.is_empty() {
                    0.0
                } else {
                    1.0 / (h.len() as f64).sqrt()
                }
            })
            .collect();
        Ok(Self {
            holders,
            scale,
            profiles: baskets.len(),
        })
    }

    /// No decomposition has more directions than held items or profiles.
    fn rank_bound(&self) -> usize {
        let held = self.holders.iter().filter(|h| !h.is_empty()).count();
        held.min(self.profiles)
    }

    /// `A · x` for a profiles × k matrix `x`.
    fn times(&self, x: &Dense) -> Dense {
        let mut out = Dense::zeros(self.holders.len(), x.cols);
        for (item, holders) in self.holders.iter().enumerate() {
            let row = &mut out.data[item * x.cols..(item + 1) * x.cols];
            for p in holders {
                row.iter_mut()
                    .zip(x.row(*p as usize))
                    .for_each(|(o, v)| *o += v);
            }
            row.iter_mut().for_each(|o| *o *= self.scale[item]);
        }
        out
    }

    /// `Aᵀ · x` for an items × k matrix `x`.
    fn transpose_times(&self, x: &Dense) -> Dense {
        let mut out = Dense::zeros(self.profiles, x.cols);
        for (item, holders) in self.holders.iter().enumerate() {
            let s = self.scale[item];
            for p in holders {
                let at = *p as usize * x.cols;
                out.data[at..at + x.cols]
                    .iter_mut()
                    .zip(x.row(item))
                    .for_each(|(o, v)| *o += s * v);
            }
        }
        out
    }
}

/// A small dense row-major matrix.
#[derive(Debug, Clone, PartialEq)]
struct Dense {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Dense {
    fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        let data = (0..rows * cols).map(|at| f(at / cols, at % cols)).collect();
        Self { rows, cols, data }
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// `self · w` for a cols × cols matrix `w`.
    fn times_square(&self, w: &Self) -> Self {
        let k = self.cols;
        let mut out = Self::zeros(self.rows, k);
        for i in 0..self.rows {
            let (row, target) = (self.row(i), &mut out.data[i * k..(i + 1) * k]);
            for (a, ra) in row.iter().enumerate().filter(|(_, r)| **r != 0.0) {
                target
                    .iter_mut()
                    .zip(w.row(a))
                    .for_each(|(o, wab)| *o += ra * wab);
            }
        }
        out
    }

    /// `selfᵀ · self` (cols × cols).
    fn gram(&self) -> Self {
        let k = self.cols;
        let mut out = Self::zeros(k, k);
        for i in 0..self.rows {
            let row = self.row(i);
            for a in 0..k {
                let ra = row[a];
                if ra != 0.0 {
                    out.data[a * k..(a + 1) * k]
                        .iter_mut()
                        .zip(row)
                        .for_each(|(o, rb)| *o += ra * rb);
                }
            }
        }
        out
    }
}

/// Orthonormalises the columns in place by SVQB (Stathopoulos & Wu 2002), run twice: with
/// `mᵀm = WΛWᵀ`, `m ← mWΛ^-½`. Every pass streams the tall matrix twice in row order (Gram
/// and product) where Gram-Schmidt walks it once per column; directions whose eigenvalue is
/// negligible (the data has lower rank than the sketch) become zero columns.
fn orthonormalise(m: &mut Dense) {
    for _ in 0..2 {
        let (values, w) = jacobi_eigen(m.gram());
        let largest = values.iter().copied().fold(0.0, f64::max);
        let k = m.cols;
        let mut transform = w;
        for (t, value) in values.iter().enumerate() {
            let scale = if *value > TINY * largest.max(TINY) {
                1.0 / value.sqrt()
            } else {
                0.0
            };
            (0..k).for_each(|j| transform.data[j * k + t] *= scale);
        }
        *m = m.times_square(&transform);
    }
}

/// Eigenvalues and eigenvectors (as columns) of a symmetric matrix by cyclic Jacobi rotations.
fn jacobi_eigen(mut a: Dense) -> (Vec<f64>, Dense) {
    let n = a.rows;
    let mut v = Dense::from_fn(n, n, |i, j| if i == j { 1.0 } else { 0.0 });
    let scale: f64 = a.data.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _ in 0..MAX_SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| a.at(i, j).powi(2))
            .sum::<f64>()
            .sqrt();
        if off <= 1e-14 * scale.max(TINY) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                rotate(&mut a, &mut v, p, q);
            }
        }
    }
    ((0..n).map(|i| a.at(i, i)).collect(), v)
}

/// One Jacobi rotation that zeroes `a[p][q]` (`a ← JᵀaJ`, `v ← vJ`).
fn rotate(a: &mut Dense, v: &mut Dense, p: usize, q: usize) {
    let n = a.rows;
    let apq = a.at(p, q);
    if apq.abs() <= f64::MIN_POSITIVE {
        return;
    }
    let theta = (a.at(q, q) - a.at(p, p)) / (2.0 * apq);
    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
    let c = 1.0 / (t * t + 1.0).sqrt();
    let s = t * c;
    for k in 0..n {
        let (akp, akq) = (a.at(k, p), a.at(k, q));
        a.data[k * n + p] = c * akp - s * akq;
        a.data[k * n + q] = s * akp + c * akq;
    }
    for k in 0..n {
        let (apk, aqk) = (a.at(p, k), a.at(q, k));
        a.data[p * n + k] = c * apk - s * aqk;
        a.data[q * n + k] = s * apk + c * aqk;
    }
    for k in 0..n {
        let (vkp, vkq) = (v.at(k, p), v.at(k, q));
        v.data[k * n + p] = c * vkp - s * vkq;
        v.data[k * n + q] = s * vkp + c * vkq;
    }
}

#[cfg(test)]
#[path = "vectors_tests.rs"]
mod tests;
