//! Per-arm ridge regression and LinUCB.

use serde::{Deserialize, Serialize};

use crate::error::{RankerError, Result};

/// A bandit's decision and the probability it had of making it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The chosen arm.
    pub arm: usize,
    /// Probability of choosing this arm for this context (1 for LinUCB).
    pub propensity: f64,
}

/// One arm's ridge regression: `A⁻¹` (row-major d×d), `b`, and `θ = A⁻¹ b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Arm {
    a_inv: Vec<f64>,
    b: Vec<f64>,
    theta: Vec<f64>,
}

/// Per-arm linear models shared by both bandits. Deserialising checks every arm's shapes and
/// values, so stored state can never make the arithmetic index out of bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LinearData")]
pub(super) struct Linear {
    pub(super) arms: Vec<Arm>,
    pub(super) dim: usize,
}

/// [`Linear`] as stored, before the checks.
#[derive(Deserialize)]
struct LinearData {
    arms: Vec<Arm>,
    dim: usize,
}

impl TryFrom<LinearData> for Linear {
    type Error = RankerError;

    fn try_from(d: LinearData) -> Result<Self> {
        let n = d.dim;
        let ok = |a: &Arm| {
            a.a_inv.len() == n * n
                && a.b.len() == n
                && a.theta.len() == n
                && a.a_inv
                    .iter()
                    .chain(&a.b)
                    .chain(&a.theta)
                    .all(|v| v.is_finite())
        };
        if d.arms.is_empty() || n == 0 || !d.arms.iter().all(ok) {
            return Err(RankerError::InvalidParameter {
                name: "bandit state",
                reason: "arms must be non-empty with d×d, d and d finite entries",
            });
        }
        Ok(Self {
            arms: d.arms,
            dim: n,
        })
    }
}

impl Linear {
    /// `arms` models of `dim` features with ridge `λ > 0` (`A = λI` before any update).
    pub(super) fn new(arms: usize, dim: usize, ridge: f64) -> Result<Self> {
        if arms == 0 || dim == 0 {
            return Err(RankerError::InvalidParameter {
                name: "arms",
                reason: "need at least one arm and one feature",
            });
        }
        if !(ridge.is_finite() && ridge > 0.0) {
            return Err(RankerError::InvalidParameter {
                name: "ridge",
                reason: "must be finite and > 0",
            });
        }
        let mut a_inv = vec![0.0; dim * dim];
        (0..dim).for_each(|i| a_inv[i * dim + i] = 1.0 / ridge);
        let arm = Arm {
            a_inv,
            b: vec![0.0; dim],
            theta: vec![0.0; dim],
        };
        Ok(Self {
            arms: vec![arm; arms],
            dim,
        })
    }

    pub(super) fn check(&self, x: &[f64]) -> Result<()> {
        if x.len() != self.dim {
            return Err(RankerError::DimensionMismatch {
                expected: self.dim,
                found: x.len(),
            });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(RankerError::NonFinite { field: "context" });
        }
        Ok(())
    }

    /// Mean `xᵀθ` and variance factor `xᵀA⁻¹x` of every arm, written into `out`.
    pub(super) fn moments(&self, x: &[f64], out: &mut Vec<(f64, f64)>) {
        let d = self.dim;
        out.clear();
        for arm in &self.arms {
            let mean: f64 = arm.theta.iter().zip(x).map(|(t, v)| t * v).sum();
            let mut var = 0.0;
            for (i, xi) in x.iter().enumerate() {
                let row = &arm.a_inv[i * d..(i + 1) * d];
                var += xi * row.iter().zip(x).map(|(a, v)| a * v).sum::<f64>();
            }
            out.push((mean, var.max(0.0)));
        }
    }

    /// Adds one observation to `arm` (Sherman–Morrison on `A⁻¹`, then `θ = A⁻¹ b`).
    pub(super) fn update(&mut self, arm: usize, x: &[f64], reward: f64) -> Result<()> {
        self.check(x)?;
        if !reward.is_finite() {
            return Err(RankerError::NonFinite { field: "reward" });
        }
        let d = self.dim;
        let Some(a) = self.arms.get_mut(arm) else {
            return Err(RankerError::InvalidParameter {
                name: "arm",
                reason: "must be < the number of arms",
            });
        };
        // A⁻¹ is symmetric, so A⁻¹x serves as both the column and the row of the update.
        let ax: Vec<f64> = (0..d)
            .map(|i| {
                a.a_inv[i * d..(i + 1) * d]
                    .iter()
                    .zip(x)
                    .map(|(m, v)| m * v)
                    .sum()
            })
            .collect();
        let denom = 1.0 + ax.iter().zip(x).map(|(p, v)| p * v).sum::<f64>();
        for i in 0..d {
            let row = &mut a.a_inv[i * d..(i + 1) * d];
            for (j, m) in row.iter_mut().enumerate() {
                *m -= ax[i] * ax[j] / denom;
            }
        }
        a.b.iter_mut().zip(x).for_each(|(b, v)| *b += reward * v);
        for i in 0..d {
            a.theta[i] = a.a_inv[i * d..(i + 1) * d]
                .iter()
                .zip(&a.b)
                .map(|(m, b)| m * b)
                .sum();
        }
        Ok(())
    }
}

/// LinUCB: choose `argmax xᵀθₐ + α √(xᵀA⁻¹ₐx)`; deterministic, ties to the lowest arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinUcb {
    model: Linear,
    alpha: f64,
}

impl LinUcb {
    /// `arms` arms over `dim` features, exploration width `alpha ≥ 0`, ridge `λ > 0`.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for no arms/features or a bad α or λ.
    pub fn new(arms: usize, dim: usize, alpha: f64, ridge: f64) -> Result<Self> {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(RankerError::InvalidParameter {
                name: "alpha",
                reason: "must be finite and >= 0",
            });
        }
        Ok(Self {
            model: Linear::new(arms, dim, ridge)?,
            alpha,
        })
    }

    /// Every arm's upper confidence bound `xᵀθₐ + α √(xᵀA⁻¹ₐx)` for context `x`.
    ///
    /// # Errors
    /// [`RankerError::DimensionMismatch`] or [`RankerError::NonFinite`] for a bad context.
    pub fn bounds(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.model.check(x)?;
        let mut m = Vec::with_capacity(self.model.arms.len());
        self.model.moments(x, &mut m);
        Ok(m.iter()
            .map(|(mean, var)| mean + self.alpha * var.sqrt())
            .collect())
    }

    /// Number of arms.
    #[must_use]
    pub fn arms(&self) -> usize {
        self.model.arms.len()
    }

    /// Whether α is in range (stored state is checked with this when deserialised).
    pub(super) fn params_ok(&self) -> bool {
        self.alpha.is_finite() && self.alpha >= 0.0
    }

    /// The feature dimension.
    pub(super) fn dim(&self) -> usize {
        self.model.dim
    }

    /// The arm for context `x`, with propensity 1.
    ///
    /// # Errors
    /// [`RankerError::DimensionMismatch`] or [`RankerError::NonFinite`] for a bad context.
    pub fn choose(&self, x: &[f64]) -> Result<Choice> {
        let mut best = (0, f64::NEG_INFINITY);
        for (a, ucb) in self.bounds(x)?.into_iter().enumerate() {
            if ucb > best.1 {
                best = (a, ucb);
            }
        }
        Ok(Choice {
            arm: best.0,
            propensity: 1.0,
        })
    }

    /// Learns from the reward of `arm` in context `x`.
    ///
    /// # Errors
    /// A bad context, a non-finite reward, or an unknown arm.
    pub fn update(&mut self, arm: usize, x: &[f64], reward: f64) -> Result<()> {
        self.model.update(arm, x, reward)
    }
}
