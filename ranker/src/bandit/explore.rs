//! A contextual bandit that picks the *arm* of an exploration slot: which candidate source the
//! explored item is drawn from.
//!
//! Arms are the generators in [`ARMS`] (co-occurrence, complements, content, popularity, new
//! arrivals). When a policy's exploration uses
//! [`ArmSelection::Bandit`](crate::policy::ArmSelection) and the caller passes an
//! [`ExploreBandit`] to [`Ranker::serve_with`](crate::Ranker::serve_with), an exploration slot
//! that fires (probability ε after the caps) asks the bandit for an arm among those with at
//! least one eligible item, then draws uniformly from that arm's items. The logged propensity of
//! an explored item `i` is exact: `ε · Σₐ P(arm a) · 1[i ∈ Eₐ] / |Eₐ|` (an item several
//! generators proposed can come from several arms), with `P(arm)` from the Thompson quadrature
//! or 1 for LinUCB's deterministic choice.
//!
//! The state is plain data the caller owns: serialise it to persist it, and after observing the
//! outcome of an explored slot call [`ExploreBandit::update`] with the request's
//! [`ServedList::bandit_context`](crate::ServedList::bandit_context), the item's
//! [`ServedItem::arm`](crate::ServedItem::arm) and the reward (e.g. 1 for a click).

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::features::FEATURES;
use super::linear::LinUcb;
use super::thompson::{LinearThompson, standard_normal, win_probability};
use crate::candidates::Source;
use crate::error::{RankerError, Result};

/// The arms, in index order.
pub const ARMS: [Source; 5] = [
    Source::CoOccurrence,
    Source::Complement,
    Source::Content,
    Source::Popularity,
    Source::NewArrival,
];

/// Which learner chooses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
enum Learner {
    LinUcb(LinUcb),
    Thompson(LinearThompson),
}

/// The exploration-arm bandit over the request features of
/// [`context_features`](super::context_features); see the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Learner", into = "Learner")]
pub struct ExploreBandit {
    learner: Learner,
}

impl TryFrom<Learner> for ExploreBandit {
    type Error = RankerError;

    fn try_from(learner: Learner) -> Result<Self> {
        let ok = match &learner {
            Learner::LinUcb(b) => b.params_ok() && b.arms() == ARMS.len() && b.dim() == FEATURES,
            Learner::Thompson(b) => b.params_ok() && b.arms() == ARMS.len() && b.dim() == FEATURES,
        };
        if ok {
            Ok(Self { learner })
        } else {
            Err(RankerError::InvalidParameter {
                name: "explore bandit",
                reason: "needs 5 arms over 16 features and a valid alpha or v",
            })
        }
    }
}

impl From<ExploreBandit> for Learner {
    fn from(b: ExploreBandit) -> Self {
        b.learner
    }
}

/// An arm draw: the arm index into [`ARMS`] and every arm's probability of being chosen.
pub(crate) struct ArmDraw {
    pub arm: usize,
    pub probabilities: [f64; ARMS.len()],
}

impl ExploreBandit {
    /// A LinUCB chooser (deterministic) with width `alpha ≥ 0` and ridge `λ > 0`.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for a bad α or λ.
    pub fn linucb(alpha: f64, ridge: f64) -> Result<Self> {
        let b = LinUcb::new(ARMS.len(), FEATURES, alpha, ridge)?;
        Ok(Self {
            learner: Learner::LinUcb(b),
        })
    }

    /// A linear Thompson sampling chooser with posterior scale `v > 0` and ridge `λ > 0`.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for a bad `v` or λ.
    pub fn thompson(v: f64, ridge: f64) -> Result<Self> {
        let b = LinearThompson::new(ARMS.len(), FEATURES, v, ridge)?;
        Ok(Self {
            learner: Learner::Thompson(b),
        })
    }

    /// Learns that exploring from `arm` in request `context` earned `reward`.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for a source that is not an arm (`Source::Explore`), a
    /// context of the wrong length or with non-finite values, or a non-finite reward.
    pub fn update(&mut self, context: &[f64], arm: Source, reward: f64) -> Result<()> {
        let Some(a) = ARMS.iter().position(|s| *s == arm) else {
            return Err(RankerError::InvalidParameter {
                name: "arm",
                reason: "must be one of bandit::ARMS",
            });
        };
        match &mut self.learner {
            Learner::LinUcb(b) => b.update(a, context, reward),
            Learner::Thompson(b) => b.update(a, context, reward),
        }
    }

    /// Chooses among the `available` arms for context `x`; `None` when none is available.
    /// LinUCB draws nothing from `rng`; Thompson sampling draws one normal per available arm.
    pub(crate) fn draw<R: Rng + ?Sized>(
        &self,
        x: &[f64],
        available: &[bool; ARMS.len()],
        rng: &mut R,
    ) -> Result<Option<ArmDraw>> {
        let arms: Vec<usize> = (0..ARMS.len()).filter(|a| available[*a]).collect();
        if arms.is_empty() {
            return Ok(None);
        }
        let mut probabilities = [0.0; ARMS.len()];
        let arm = match &self.learner {
            Learner::LinUcb(b) => {
                let ucb = b.bounds(x)?;
                let best = arms
                    .iter()
                    .copied()
                    .fold(arms[0], |best, a| if ucb[a] > ucb[best] { a } else { best });
                probabilities[best] = 1.0;
                best
            }
            Learner::Thompson(b) => {
                let all = b.posteriors(x)?;
                let dists: Vec<(f64, f64)> = arms.iter().map(|a| all[*a]).collect();
                let mut best = (0, f64::NEG_INFINITY);
                for (j, (mu, sd)) in dists.iter().enumerate() {
                    let s = mu + sd * standard_normal(rng);
                    if s > best.1 {
                        best = (j, s);
                    }
                }
                let p: Vec<f64> = (0..arms.len())
                    .map(|j| win_probability(&dists, j))
                    .collect();
                let total: f64 = p.iter().sum();
                for (j, a) in arms.iter().enumerate() {
                    probabilities[*a] = if total > 0.0 { p[j] / total } else { 0.0 };
                }
                arms[best.0]
            }
        };
        Ok(Some(ArmDraw { arm, probabilities }))
    }
}
