//! Linear Thompson sampling with an exact (quadrature) propensity.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::linear::{Choice, Linear};
use crate::error::{RankerError, Result};

/// Quadrature over ±7 standard deviations of the chosen arm, with a step of 0.25 of the
/// narrowest arm's standard deviation (relative to the chosen arm's), so sharp competitors are
/// resolved; at most 4,001 points.
const SPAN: f64 = 7.0;
const STEP: f64 = 0.25;
const MAX_POINTS: usize = 4_001;

/// Linear Thompson sampling (Agrawal & Goyal 2013) with posterior scale `v`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearThompson {
    model: Linear,
    v: f64,
}

impl LinearThompson {
    /// `arms` arms over `dim` features, posterior scale `v > 0`, ridge `λ > 0`.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for no arms/features or a bad `v` or λ.
    pub fn new(arms: usize, dim: usize, v: f64, ridge: f64) -> Result<Self> {
        if !(v.is_finite() && v > 0.0) {
            return Err(RankerError::InvalidParameter {
                name: "v",
                reason: "must be finite and > 0",
            });
        }
        Ok(Self {
            model: Linear::new(arms, dim, ridge)?,
            v,
        })
    }

    /// Every arm's posterior score distribution `(mean xᵀθₐ, deviation v √(xᵀA⁻¹ₐx))` for `x`.
    ///
    /// # Errors
    /// [`RankerError::DimensionMismatch`] or [`RankerError::NonFinite`] for a bad context.
    pub fn posteriors(&self, x: &[f64]) -> Result<Vec<(f64, f64)>> {
        self.model.check(x)?;
        let mut m = Vec::with_capacity(self.model.arms.len());
        self.model.moments(x, &mut m);
        Ok(m.iter()
            .map(|(mean, var)| (*mean, self.v * var.sqrt()))
            .collect())
    }

    /// Number of arms.
    #[must_use]
    pub fn arms(&self) -> usize {
        self.model.arms.len()
    }

    /// Whether `v` is in range (stored state is checked with this when deserialised).
    pub(super) fn params_ok(&self) -> bool {
        self.v.is_finite() && self.v > 0.0
    }

    /// The feature dimension.
    pub(super) fn dim(&self) -> usize {
        self.model.dim
    }

    /// Samples every arm's score for context `x` from `rng` and picks the best; the propensity
    /// is the chosen arm's probability of winning (see the module docs).
    ///
    /// # Errors
    /// [`RankerError::DimensionMismatch`] or [`RankerError::NonFinite`] for a bad context.
    pub fn choose<R: Rng + ?Sized>(&self, x: &[f64], rng: &mut R) -> Result<Choice> {
        let dists = self.posteriors(x)?;
        let mut best = (0, f64::NEG_INFINITY);
        for (a, (mu, sd)) in dists.iter().enumerate() {
            let s = mu + sd * standard_normal(rng);
            if s > best.1 {
                best = (a, s);
            }
        }
        Ok(Choice {
            arm: best.0,
            propensity: win_probability(&dists, best.0),
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

/// `P(arm a's draw is the largest)` for independent normals `(μ, σ)`:
/// `∫ φ((s−μₐ)/σₐ)/σₐ · Π_{b≠a} Φ((s−μ_b)/σ_b) ds` by the trapezoid rule in `z = (s−μₐ)/σₐ`.
pub(crate) fn win_probability(dists: &[(f64, f64)], a: usize) -> f64 {
    let (mu, sd) = dists[a];
    let (lo, hi) = (mu - SPAN * sd, mu + SPAN * sd);
    // Competitors that lie entirely below the integration range have Φ = 1 there: skip them.
    let rivals: Vec<(f64, f64)> = dists
        .iter()
        .enumerate()
        .filter(|(b, (m, d))| *b != a && m + 8.0 * d >= lo)
        .map(|(_, d)| *d)
        .collect();
    let cdf_at = |s: f64| {
        rivals
            .iter()
            .map(|(m, d)| {
                if *d > 0.0 {
                    phi_cdf((s - m) / d)
                } else {
                    step(s - m)
                }
            })
            .product::<f64>()
    };
    if sd <= 0.0 {
        return cdf_at(mu);
    }
    let narrowest = rivals
        .iter()
        .filter(|(m, d)| *d > 0.0 && m + 8.0 * d >= lo && m - 8.0 * d <= hi)
        .map(|d| d.1)
        .fold(sd, f64::min);
    let intervals = ((2.0 * SPAN) / (STEP * narrowest / sd)).ceil() as usize;
    let points = (intervals + 1).clamp(57, MAX_POINTS);
    let h = 2.0 * SPAN / (points - 1) as f64;
    let mut sum = 0.0;
    for k in 0..points {
        let z = -SPAN + k as f64 * h;
        let w = if k == 0 || k == points - 1 { 0.5 } else { 1.0 };
        sum += w * (-0.5 * z * z).exp() * cdf_at(mu + sd * z);
    }
    (sum * h / (2.0 * std::f64::consts::PI).sqrt()).clamp(0.0, 1.0)
}

fn step(x: f64) -> f64 {
    if x >= 0.0 { 1.0 } else { 0.0 }
}

/// Standard normal CDF via `erfc` (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7).
fn phi_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// One standard normal draw (Box–Muller).
pub(super) fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn quadrature_propensities_sum_to_one_and_match_sampling() {
        let dists = [(0.1, 0.3), (0.3, 0.2), (0.0, 0.5), (0.25, 0.05)];
        let p: Vec<f64> = (0..4).map(|a| win_probability(&dists, a)).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6, "{p:?}");
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let n = 200_000;
        let mut wins = [0usize; 4];
        for _ in 0..n {
            let draws = dists.map(|(m, s)| m + s * standard_normal(&mut rng));
            let best = (0..4).fold(0, |b, i| if draws[i] > draws[b] { i } else { b });
            wins[best] += 1;
        }
        for a in 0..4 {
            let f = wins[a] as f64 / n as f64;
            assert!((f - p[a]).abs() < 0.005, "arm {a}: {f} vs {}", p[a]);
        }
    }

    #[test]
    fn bandits_learn_the_better_arm_and_reject_bad_input() {
        let mut ts = LinearThompson::new(3, 2, 0.5, 1.0).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x = [1.0, 0.5];
        for _ in 0..300 {
            let c = ts.choose(&x, &mut rng).unwrap();
            assert!(c.propensity > 0.0 && c.propensity <= 1.0);
            ts.update(c.arm, &x, if c.arm == 2 { 1.0 } else { 0.0 })
                .unwrap();
        }
        assert_eq!(ts.choose(&x, &mut rng).unwrap().arm, 2);
        assert!(matches!(
            ts.choose(&[1.0], &mut rng),
            Err(RankerError::DimensionMismatch { .. })
        ));
        assert!(ts.update(9, &x, 1.0).is_err());
        assert!(ts.update(0, &x, f64::NAN).is_err());
        assert!(LinearThompson::new(0, 2, 1.0, 1.0).is_err());
    }
}
