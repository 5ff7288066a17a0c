//! Target policies and reward models for the estimators.

use super::{LoggedRecord, OpeError};

/// A policy to evaluate: the probability it shows `action` in the record's context and position.
pub trait TargetPolicy {
    /// Number of actions.
    fn n_actions(&self) -> usize;
    /// `π(action | x, position)` for the context of `record`.
    fn prob(&self, record: &LoggedRecord, action: usize) -> f64;
}

/// A reward model `q̂(x, a, position)` for the direct method and doubly robust.
pub trait RewardModel {
    /// Predicted reward of `action` in the context and position of `record`.
    fn predict(&self, record: &LoggedRecord, action: usize) -> f64;
}

/// A context-free policy: one distribution over actions per position.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextFreePolicy {
    n_actions: usize,
    /// `probs[position · n_actions + action]`.
    probs: Vec<f64>,
}

impl ContextFreePolicy {
    /// Uniform over `n_actions` at each of `n_positions` (the OBD "random" policy).
    #[must_use]
    pub fn uniform(n_actions: usize, n_positions: usize) -> Self {
        let p = if n_actions == 0 {
            0.0
        } else {
            1.0 / n_actions as f64
        };
        Self {
            n_actions,
            probs: vec![p; n_actions * n_positions],
        }
    }

    /// The empirical distribution of a log: how often each action was shown at each position
    /// (a context-free summary of the logging policy over the log's period).
    ///
    /// # Errors
    /// [`OpeError::OutOfRange`] for an action or position beyond the given counts.
    pub fn from_frequencies(
        records: &[LoggedRecord],
        n_actions: usize,
        n_positions: usize,
    ) -> Result<Self, OpeError> {
        let mut counts = vec![0.0; n_actions * n_positions];
        let mut per_position = vec![0.0; n_positions];
        for (row, r) in records.iter().enumerate() {
            check_range(row, r, n_actions, n_positions)?;
            counts[r.position * n_actions + r.action] += 1.0;
            per_position[r.position] += 1.0;
        }
        for (i, c) in counts.iter_mut().enumerate() {
            let total = per_position[i / n_actions.max(1)];
            *c = if total > 0.0 { *c / total } else { 0.0 };
        }
        Ok(Self {
            n_actions,
            probs: counts,
        })
    }
}

impl TargetPolicy for ContextFreePolicy {
    fn n_actions(&self) -> usize {
        self.n_actions
    }

    fn prob(&self, record: &LoggedRecord, action: usize) -> f64 {
        self.probs
            .get(record.position * self.n_actions + action)
            .copied()
            .unwrap_or(0.0)
    }
}

/// The empirical click rate of each (action, position) in a log; 0 where never shown.
#[derive(Debug, Clone, PartialEq)]
pub struct EmpiricalCtr {
    n_actions: usize,
    ctr: Vec<f64>,
}

impl EmpiricalCtr {
    /// Fits the model on `records`.
    ///
    /// # Errors
    /// [`OpeError::OutOfRange`] for an action or position beyond the given counts.
    pub fn fit(
        records: &[LoggedRecord],
        n_actions: usize,
        n_positions: usize,
    ) -> Result<Self, OpeError> {
        let mut sum = vec![0.0; n_actions * n_positions];
        let mut count = vec![0.0; n_actions * n_positions];
        for (row, r) in records.iter().enumerate() {
            check_range(row, r, n_actions, n_positions)?;
            sum[r.position * n_actions + r.action] += r.reward;
            count[r.position * n_actions + r.action] += 1.0;
        }
        let ctr = sum
            .iter()
            .zip(&count)
            .map(|(s, c)| if *c > 0.0 { s / c } else { 0.0 })
            .collect();
        Ok(Self { n_actions, ctr })
    }
}

impl RewardModel for EmpiricalCtr {
    fn predict(&self, record: &LoggedRecord, action: usize) -> f64 {
        self.ctr
            .get(record.position * self.n_actions + action)
            .copied()
            .unwrap_or(0.0)
    }
}

pub(super) fn check_range(
    row: usize,
    r: &LoggedRecord,
    n_actions: usize,
    n_positions: usize,
) -> Result<(), OpeError> {
    if r.action >= n_actions {
        return Err(OpeError::OutOfRange {
            row,
            field: "action",
            value: r.action,
        });
    }
    if r.position >= n_positions {
        return Err(OpeError::OutOfRange {
            row,
            field: "position",
            value: r.position,
        });
    }
    Ok(())
}
