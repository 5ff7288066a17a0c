//! Blend weights: validated, normalised to sum to one.

use serde::{Deserialize, Serialize};

use crate::error::{RankerError, Result};

/// Blend weights; [`Weights::default`] is 0.55 relevance + 0.20 intent + 0.10 margin +
/// 0.10 inventory + 0.05 novelty. Use [`Weights::new`] to get validated, sum-to-one weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Weight of generator relevance.
    pub relevance: f32,
    /// Weight of session intent match.
    pub intent: f32,
    /// Weight of margin.
    pub margin: f32,
    /// Weight of inventory health.
    pub inventory: f32,
    /// Weight of novelty (freshness).
    pub novelty: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            relevance: 0.55,
            intent: 0.20,
            margin: 0.10,
            inventory: 0.10,
            novelty: 0.05,
        }
    }
}

impl Weights {
    /// Validates and normalises the weights to sum to 1, so blended scores stay in `[0, 1]`.
    ///
    /// # Errors
    /// [`RankerError::InvalidWeights`] when a weight is negative or non-finite, or all are zero.
    pub fn new(
        relevance: f32,
        intent: f32,
        margin: f32,
        inventory: f32,
        novelty: f32,
    ) -> Result<Self> {
        Self {
            relevance,
            intent,
            margin,
            inventory,
            novelty,
        }
        .validated()
    }

    /// Checks these weights and returns them normalised; see [`Weights::new`].
    ///
    /// # Errors
    /// As [`Weights::new`].
    pub fn validated(self) -> Result<Self> {
        let all = self.as_array();
        if all.iter().any(|w| !w.is_finite()) {
            return Err(RankerError::InvalidWeights("weights must be finite"));
        }
        if all.iter().any(|w| *w < 0.0) {
            return Err(RankerError::InvalidWeights("weights must not be negative"));
        }
        let sum: f32 = all.iter().sum();
        if sum <= 0.0 {
            return Err(RankerError::InvalidWeights(
                "at least one weight must be positive",
            ));
        }
        let [relevance, intent, margin, inventory, novelty] = all.map(|w| w / sum);
        Ok(Self {
            relevance,
            intent,
            margin,
            inventory,
            novelty,
        })
    }

    fn as_array(self) -> [f32; 5] {
        [
            self.relevance,
            self.intent,
            self.margin,
            self.inventory,
            self.novelty,
        ]
    }
}
