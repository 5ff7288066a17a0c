//! Exposure-aware re-ranking: spread impressions over the catalog instead of showing every
//! shopper the same few items.
//!
//! Within-list diversification (MMR, DPP) varies a list, but every shopper with similar tastes
//! still gets the same best item per category, so catalog-level exposure stays concentrated
//! (the feedback loop: shown items collect clicks, clicks make them rank higher). This stage is
//! an amortised fairness-of-exposure term (Biega et al. 2018, "Equity of Attention"): the caller
//! keeps an [`ExposureLedger`] of recent, position-weighted impressions across all shoppers, and
//! before re-ranking each candidate's blended score is multiplied by
//!
//! ```text
//! 1 − γ · e / (e + s · ē)
//! ```
//!
//! where `e` is the item's ledger exposure, `ē` the mean exposure per catalog item and `γ`, `s`
//! the [`ExposureConfig`]. Unseen items keep their score; an item shown `s` times as often as
//! the average loses `γ/2`; the penalty saturates at `γ`, so a much more relevant item still
//! wins. Relevance decides *which* items qualify; exposure only breaks near-ties among them
//! differently for different shoppers over time.

use serde::{Deserialize, Serialize};

use crate::catalog::ItemId;
use crate::error::{RankerError, Result};
use crate::scoring::Scored;

/// Tuning of the exposure penalty. Defaults: `penalty` γ = 0.3, `saturation` s = 4.
///
/// The stage runs only when the caller passes an [`ExposureLedger`] (see
/// [`Ranker::rank_with`](crate::Ranker::rank_with) and
/// [`Ranker::serve_with`](crate::Ranker::serve_with)); `penalty = 0` turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureConfig {
    /// Largest share of an item's score taken away, in `[0, 1)`.
    pub penalty: f32,
    /// Exposure (in multiples of the catalog mean) at which half the penalty applies, > 0.
    pub saturation: f32,
}

impl Default for ExposureConfig {
    fn default() -> Self {
        Self {
            penalty: 0.3,
            saturation: 4.0,
        }
    }
}

impl ExposureConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for a penalty outside `[0, 1)` or a saturation ≤ 0.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.penalty) {
            return Err(RankerError::InvalidParameter {
                name: "exposure.penalty",
                reason: "must be in [0,1)",
            });
        }
        if !(self.saturation.is_finite() && self.saturation > 0.0) {
            return Err(RankerError::InvalidParameter {
                name: "exposure.saturation",
                reason: "must be finite and > 0",
            });
        }
        Ok(())
    }

    /// The score multiplier for an item with exposure `e` when the mean is `mean`.
    fn factor(&self, e: f32, mean: f32) -> f32 {
        if e <= 0.0 || mean <= 0.0 {
            return 1.0;
        }
        1.0 - self.penalty * e / (e + self.saturation * mean)
    }
}

/// Position-weighted impressions per item, owned by the caller (serde, so the app can persist
/// it), decayed by the caller on its own schedule.
///
/// A list's slot `p` (0-based) counts `1 / log₂(p + 2)` — the DCG attention model — so slot 1
/// counts 1 and slot 8 about 0.32. Unknown or negative entries read as 0.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "LedgerData", into = "LedgerData")]
pub struct ExposureLedger {
    counts: Vec<f32>,
    total: f64,
}

impl PartialEq for ExposureLedger {
    /// Equal counts (the total is derived from them).
    fn eq(&self, other: &Self) -> bool {
        self.counts == other.counts
    }
}

/// The stored form: just the counts (the total is recomputed, bad values dropped).
#[derive(Serialize, Deserialize)]
struct LedgerData {
    counts: Vec<f32>,
}

impl From<LedgerData> for ExposureLedger {
    fn from(d: LedgerData) -> Self {
        let counts: Vec<f32> = d
            .counts
            .into_iter()
            .map(|c| if c.is_finite() { c.max(0.0) } else { 0.0 })
            .collect();
        let total = counts.iter().map(|c| f64::from(*c)).sum();
        Self { counts, total }
    }
}

impl From<ExposureLedger> for LedgerData {
    fn from(l: ExposureLedger) -> Self {
        Self { counts: l.counts }
    }
}

impl ExposureLedger {
    /// An empty ledger for a catalog of `items` items (it grows if larger ids are recorded).
    #[must_use]
    pub fn new(items: usize) -> Self {
        Self {
            counts: vec![0.0; items],
            total: 0.0,
        }
    }

    /// Records one impression of `item` with attention `weight` (non-finite or ≤ 0: ignored).
    pub fn record(&mut self, item: ItemId, weight: f32) {
        if !(weight.is_finite() && weight > 0.0) {
            return;
        }
        if item.index() >= self.counts.len() {
            self.counts.resize(item.index() + 1, 0.0);
        }
        self.counts[item.index()] += weight;
        self.total += f64::from(weight);
    }

    /// Records a shown list, slot `p` weighing `1 / log₂(p + 2)`.
    pub fn record_list(&mut self, items: &[ItemId]) {
        for (p, item) in items.iter().enumerate() {
            self.record(*item, 1.0 / (p as f32 + 2.0).log2());
        }
    }

    /// Multiplies every count by `factor` in `[0, 1]` (forgetting old impressions).
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for a factor outside `[0, 1]`.
    pub fn decay(&mut self, factor: f32) -> Result<()> {
        if !(0.0..=1.0).contains(&factor) {
            return Err(RankerError::InvalidParameter {
                name: "factor",
                reason: "must be in [0,1]",
            });
        }
        self.counts.iter_mut().for_each(|c| *c *= factor);
        self.total *= f64::from(factor);
        Ok(())
    }

    /// The exposure of `item` (0 for an id never recorded).
    #[must_use]
    pub fn exposure(&self, item: ItemId) -> f32 {
        self.counts.get(item.index()).copied().unwrap_or(0.0)
    }

    /// Mean exposure per item of a catalog of `items` items.
    #[must_use]
    pub fn mean(&self, items: usize) -> f32 {
        (self.total / items.max(1) as f64) as f32
    }
}

/// Applies the penalty to best-first `rows` and restores best-first order (stable: equal scores
/// keep their order). `catalog_len` sets the mean. A no-op for a zero penalty or empty ledger.
pub(crate) fn apply(
    rows: &mut [Scored],
    ledger: &ExposureLedger,
    config: &ExposureConfig,
    catalog_len: usize,
) {
    let mean = ledger.mean(catalog_len);
    if config.penalty <= 0.0 || mean <= 0.0 {
        return;
    }
    for r in rows.iter_mut() {
        r.score *= config.factor(ledger.exposure(r.item), mean);
    }
    rows.sort_by(|a, b| b.score.total_cmp(&a.score));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates::{Source, SourceSet};
    use crate::scoring::ScoreComponents;

    fn row(item: u32, score: f32) -> Scored {
        Scored {
            item: ItemId(item),
            score,
            components: ScoreComponents::default(),
            sources: SourceSet::default(),
            primary: Source::CoOccurrence,
            via: None,
        }
    }

    #[test]
    fn an_over_exposed_item_yields_to_a_near_tie_but_not_to_a_much_weaker_item() {
        let mut ledger = ExposureLedger::new(10);
        for _ in 0..50 {
            ledger.record(ItemId(0), 1.0);
        }
        let mut rows = vec![row(0, 0.9), row(1, 0.85), row(2, 0.3)];
        apply(&mut rows, &ledger, &ExposureConfig::default(), 10);
        let order: Vec<u32> = rows.iter().map(|r| r.item.0).collect();
        assert_eq!(order, [1, 0, 2]);
        assert!(rows.iter().all(|r| (0.0..=1.0).contains(&r.score)));
    }

    #[test]
    fn no_ledger_signal_or_zero_penalty_changes_nothing() {
        let rows = vec![row(0, 0.9), row(1, 0.85)];
        let mut a = rows.clone();
        apply(
            &mut a,
            &ExposureLedger::new(5),
            &ExposureConfig::default(),
            5,
        );
        assert_eq!(a, rows);
        let mut ledger = ExposureLedger::new(5);
        ledger.record_list(&[ItemId(0), ItemId(1)]);
        let off = ExposureConfig {
            penalty: 0.0,
            ..ExposureConfig::default()
        };
        apply(&mut a, &ledger, &off, 5);
        assert_eq!(a, rows);
    }

    #[test]
    fn the_ledger_round_trips_through_json_and_drops_bad_counts() {
        let mut ledger = ExposureLedger::new(3);
        ledger.record_list(&[ItemId(2), ItemId(0)]);
        ledger.record(ItemId(7), 2.0);
        ledger.record(ItemId(1), f32::NAN);
        let json = serde_json::to_string(&ledger).unwrap();
        assert_eq!(
            serde_json::from_str::<ExposureLedger>(&json).unwrap(),
            ledger
        );
        let bad: ExposureLedger = serde_json::from_str(r#"{"counts":[1.0,-3.0,2.0]}"#).unwrap();
        assert_eq!(bad.exposure(ItemId(1)), 0.0);
        assert!((bad.mean(3) - 1.0).abs() < 1e-6);
        assert!(ledger.clone().decay(1.5).is_err());
        assert!(
            ExposureConfig {
                penalty: 1.0,
                saturation: 1.0
            }
            .validate()
            .is_err()
        );
    }
}
