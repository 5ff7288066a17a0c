//! The estimators, effective sample size and percentile-bootstrap intervals.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::models::check_range;
use super::{LoggedRecord, OpeError, RewardModel, TargetPolicy};

/// Which estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Inverse propensity scoring.
    Ips,
    /// Self-normalised IPS.
    Snips,
    /// Direct method (reward model only).
    Dm,
    /// Doubly robust.
    Dr,
}

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
}

/// One estimate of a policy's value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The estimator.
    pub estimator: Estimator,
    /// The estimated value (expected reward per impression).
    pub value: f64,
}

/// Logged records prepared for one target policy.
#[derive(Debug, Clone)]
pub struct Ope<'a> {
    records: &'a [LoggedRecord],
    weights: Vec<f64>,
    /// Per record: `Σ_a π(a) q̂(a) / Σ_a π(a)` and `q̂(a_i)`, once a reward model is attached.
    model: Option<(Vec<f64>, Vec<f64>)>,
}

impl<'a> Ope<'a> {
    /// Checks the records and computes importance weights for `policy`.
    ///
    /// # Errors
    /// [`OpeError::Empty`], [`OpeError::InvalidPropensity`], [`OpeError::NonFiniteReward`], or
    /// [`OpeError::OutOfRange`] for an action the policy does not know.
    pub fn new(records: &'a [LoggedRecord], policy: &impl TargetPolicy) -> Result<Self, OpeError> {
        if records.is_empty() {
            return Err(OpeError::Empty);
        }
        let mut weights = Vec::with_capacity(records.len());
        for (row, r) in records.iter().enumerate() {
            r.check(row)?;
            check_range(row, r, policy.n_actions(), usize::MAX)?;
            weights.push(policy.prob(r, r.action) / r.propensity);
        }
        Ok(Self {
            records,
            weights,
            model: None,
        })
    }

    /// Checks the records against a target policy that was replayed on each record's own
    /// context: `target[i]` is `π(a_i | x_i, pos_i)`, the probability the target policy shows
    /// record `i`'s item at its position. Contexts too rich for a [`TargetPolicy`] (a whole
    /// shop's ranker re-run on each logged request) are evaluated this way.
    ///
    /// # Errors
    /// [`OpeError::Empty`], [`OpeError::TargetLength`], [`OpeError::InvalidPropensity`],
    /// [`OpeError::NonFiniteReward`] or [`OpeError::InvalidTarget`].
    pub fn replayed(records: &'a [LoggedRecord], target: &[f64]) -> Result<Self, OpeError> {
        if records.is_empty() {
            return Err(OpeError::Empty);
        }
        if records.len() != target.len() {
            return Err(OpeError::TargetLength {
                records: records.len(),
                target: target.len(),
            });
        }
        let mut weights = Vec::with_capacity(records.len());
        for (row, (r, p)) in records.iter().zip(target).enumerate() {
            r.check(row)?;
            if !(0.0..=1.0).contains(p) {
                return Err(OpeError::InvalidTarget { row, value: *p });
            }
            weights.push(p / r.propensity);
        }
        Ok(Self {
            records,
            weights,
            model: None,
        })
    }

    /// Attaches a replayed reward model, enabling [`Estimator::Dm`] and [`Estimator::Dr`]:
    /// per record, `direct[i]` is the model's expected reward of what the target policy shows
    /// at record `i`'s position (`Σ_a π(a) q̂(a)`) and `factual[i]` is `q̂(a_i)`.
    ///
    /// # Errors
    /// [`OpeError::TargetLength`] when either slice does not match the records.
    pub fn with_replayed_model(
        mut self,
        direct: Vec<f64>,
        factual: Vec<f64>,
    ) -> Result<Self, OpeError> {
        for given in [direct.len(), factual.len()] {
            if given != self.records.len() {
                return Err(OpeError::TargetLength {
                    records: self.records.len(),
                    target: given,
                });
            }
        }
        self.model = Some((direct, factual));
        Ok(self)
    }

    /// Attaches a reward model, enabling [`Estimator::Dm`] and [`Estimator::Dr`].
    #[must_use]
    pub fn with_reward_model(
        mut self,
        policy: &impl TargetPolicy,
        model: &impl RewardModel,
    ) -> Self {
        let n = policy.n_actions();
        let (direct, factual) = self
            .records
            .iter()
            .map(|r| {
                let (mut num, mut den) = (0.0, 0.0);
                for a in 0..n {
                    let p = policy.prob(r, a);
                    num += p * model.predict(r, a);
                    den += p;
                }
                let dm = if den > 0.0 { num / den } else { 0.0 };
                (dm, model.predict(r, r.action))
            })
            .unzip();
        self.model = Some((direct, factual));
        self
    }

    /// Per-record numerator terms, and whether the estimator self-normalises by the weights.
    fn terms(&self, est: Estimator) -> Option<(Vec<f64>, bool)> {
        let rw = self.records.iter().zip(&self.weights);
        match est {
            Estimator::Ips => Some((rw.map(|(r, w)| r.reward * w).collect(), false)),
            Estimator::Snips => Some((rw.map(|(r, w)| r.reward * w).collect(), true)),
            Estimator::Dm => self.model.as_ref().map(|(dm, _)| (dm.clone(), false)),
            Estimator::Dr => self.model.as_ref().map(|(dm, q)| {
                let t = rw
                    .zip(dm.iter().zip(q))
                    .map(|((r, w), (d, q))| d + w * (r.reward - q))
                    .collect();
                (t, false)
            }),
        }
    }

    /// The point estimate; `None` for DM/DR without a reward model.
    #[must_use]
    pub fn estimate(&self, est: Estimator) -> Option<Estimate> {
        let (terms, normalise) = self.terms(est)?;
        let all: Vec<usize> = (0..terms.len()).collect();
        Some(Estimate {
            estimator: est,
            value: self.ratio(&terms, normalise, &all),
        })
    }

    fn ratio(&self, terms: &[f64], normalise: bool, rows: &[usize]) -> f64 {
        let num: f64 = rows.iter().map(|i| terms[*i]).sum();
        let den: f64 = if normalise {
            rows.iter().map(|i| self.weights[*i]).sum()
        } else {
            rows.len() as f64
        };
        if den > 0.0 { num / den } else { 0.0 }
    }

    /// Kish's effective sample size of the importance weights, `(Σw)² / Σw²`.
    #[must_use]
    pub fn effective_sample_size(&self) -> f64 {
        let s: f64 = self.weights.iter().sum();
        let s2: f64 = self.weights.iter().map(|w| w * w).sum();
        if s2 > 0.0 { s * s / s2 } else { 0.0 }
    }

    /// A percentile-bootstrap interval at `level` from `resamples` resamples of the records
    /// (with replacement) drawn from `rng`; `None` for DM/DR without a model or no resamples.
    pub fn bootstrap<R: Rng + ?Sized>(
        &self,
        est: Estimator,
        resamples: usize,
        level: f64,
        rng: &mut R,
    ) -> Option<Interval> {
        let (terms, normalise) = self.terms(est)?;
        if resamples == 0 || !(0.0..1.0).contains(&level) {
            return None;
        }
        let n = terms.len();
        let mut rows = vec![0usize; n];
        let mut values: Vec<f64> = (0..resamples)
            .map(|_| {
                rows.iter_mut().for_each(|r| *r = rng.random_range(0..n));
                self.ratio(&terms, normalise, &rows)
            })
            .collect();
        values.sort_by(f64::total_cmp);
        let at =
            |q: f64| values[((q * (resamples - 1) as f64).round() as usize).min(resamples - 1)];
        let tail = (1.0 - level) / 2.0;
        Some(Interval {
            lower: at(tail),
            upper: at(1.0 - tail),
            level,
        })
    }
}

/// The on-policy value of a log: its mean reward.
#[must_use]
pub fn on_policy_value(records: &[LoggedRecord]) -> f64 {
    if records.is_empty() {
        return 0.0;
    }
    records.iter().map(|r| r.reward).sum::<f64>() / records.len() as f64
}
