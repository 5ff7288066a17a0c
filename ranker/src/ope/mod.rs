//! Off-policy evaluation from logged propensities: IPS, self-normalised IPS, direct method,
//! doubly robust, effective sample size and bootstrap confidence intervals.
//!
//! The formulas follow the `obp` 0.4.1 reference implementation (Saito et al., Open Bandit
//! Pipeline) position by position: a record is one shown item at one position with the
//! logging policy's propensity `p_i`; the target policy gives `π(a | x_i, pos_i)`; the
//! importance weight is `w_i = π(a_i | x_i, pos_i) / p_i`.
//! - IPS `= mean(w_i r_i)`; SNIPS `= Σ w_i r_i / Σ w_i`.
//! - DM `= mean(Σ_a π(a) q̂(a) / Σ_a π(a))`; DR `= DM_i + w_i (r_i − q̂(a_i))`, averaged.

mod estimate;
mod models;
mod schema;

use serde::{Deserialize, Serialize};

pub use estimate::{Estimate, Estimator, Interval, Ope, on_policy_value};
pub use models::{ContextFreePolicy, EmpiricalCtr, RewardModel, TargetPolicy};
pub use schema::LogSchema;

/// Why logged data was rejected; every variant names the row and/or field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpeError {
    /// A propensity outside `(0, 1]` (0 makes IPS undefined; above 1 is not a probability).
    #[error("row {row}: propensity_score {value} is outside (0, 1]")]
    InvalidPropensity {
        /// 0-based record index.
        row: usize,
        /// The value found.
        value: f64,
    },
    /// A reward that is NaN or infinite.
    #[error("row {row}: reward is not finite")]
    NonFiniteReward {
        /// 0-based record index.
        row: usize,
    },
    /// An action or position the target policy does not know.
    #[error("row {row}: {field} {value} is out of range")]
    OutOfRange {
        /// 0-based record index.
        row: usize,
        /// `"action"` or `"position"`.
        field: &'static str,
        /// The value found.
        value: usize,
    },
    /// A required column is missing from the header.
    #[error("missing column `{column}`")]
    MissingColumn {
        /// The column's name.
        column: &'static str,
    },
    /// A cell that does not parse.
    #[error("row {row}: column `{column}` has an unreadable value {value:?}")]
    BadValue {
        /// 0-based data row.
        row: usize,
        /// The column.
        column: &'static str,
        /// The text found.
        value: String,
    },
    /// No records to evaluate.
    #[error("no logged records")]
    Empty,
    /// A replayed target policy's probabilities do not line up with the records.
    #[error("{target} target probabilities for {records} records")]
    TargetLength {
        /// Records given.
        records: usize,
        /// Target probabilities given.
        target: usize,
    },
    /// A target probability outside `[0, 1]`.
    #[error("row {row}: target probability {value} is outside [0, 1]")]
    InvalidTarget {
        /// 0-based record index.
        row: usize,
        /// The value found.
        value: f64,
    },
}

/// One logged impression: the item shown at a position, its propensity and the reward.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoggedRecord {
    /// The action (item index) shown.
    pub action: usize,
    /// 0-based position.
    pub position: usize,
    /// The reward (click = 1).
    pub reward: f64,
    /// The logging policy's probability of showing `action` at `position`, in `(0, 1]`.
    pub propensity: f64,
}

impl LoggedRecord {
    /// A checked record; `row` is used in the error.
    ///
    /// # Errors
    /// [`OpeError::InvalidPropensity`] or [`OpeError::NonFiniteReward`].
    pub fn new(
        row: usize,
        action: usize,
        position: usize,
        reward: f64,
        propensity: f64,
    ) -> Result<Self, OpeError> {
        let record = Self {
            action,
            position,
            reward,
            propensity,
        };
        record.check(row)?;
        Ok(record)
    }

    fn check(&self, row: usize) -> Result<(), OpeError> {
        if !(self.propensity > 0.0 && self.propensity <= 1.0) {
            return Err(OpeError::InvalidPropensity {
                row,
                value: self.propensity,
            });
        }
        if !self.reward.is_finite() {
            return Err(OpeError::NonFiniteReward { row });
        }
        Ok(())
    }
}
