//! Re-rankers: MMR, DPP and constrained greedy selection under hard rules.

pub(crate) mod constrained;
pub(crate) mod dpp;
pub(crate) mod mmr;
pub mod rules;
pub mod similarity;

use serde::{Deserialize, Serialize};

use crate::error::{RankerError, Result};

/// How a shortlist becomes the final list.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Policy {
    /// Best blended score first; no diversification (the relevance baseline).
    ScoreOnly,
    /// Maximal marginal relevance: `λ·score − (1−λ)·max_sim`, λ in `[0, 1]` (1 = score only).
    Mmr {
        /// Relevance/diversity trade-off.
        lambda: f32,
    },
    /// DPP greedy MAP with quality `exp(α·score)`; larger α favours relevance.
    Dpp {
        /// Quality sharpness, ≥ 0.
        alpha: f32,
    },
    /// Greedy selection under the hard rules of the [`RuleSet`](rules::RuleSet) (the default).
    #[default]
    Constrained,
}

impl Policy {
    /// Checks parameter ranges.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for λ outside `[0, 1]` or a negative / non-finite α.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Self::Mmr { lambda } if !(0.0..=1.0).contains(&lambda) => {
                Err(RankerError::InvalidParameter {
                    name: "lambda",
                    reason: "must be in [0,1]",
                })
            }
            Self::Dpp { alpha } if !(alpha.is_finite() && alpha >= 0.0) => {
                Err(RankerError::InvalidParameter {
                    name: "alpha",
                    reason: "must be finite and >= 0",
                })
            }
            _ => Ok(()),
        }
    }
}
