//! The hard merchandising rules, their relaxation order, and a checker.

use serde::{Deserialize, Serialize};

use crate::error::{RankerError, Result};

/// A relaxable rule of constrained selection.
///
/// The variants are listed in **relaxation order**: when no candidate can fill a slot with every
/// rule in force, the first rule in this order is dropped *for that slot*, then the next, until a
/// candidate fits. Coverage goes first (a merchandising nicety); vendor fairness and brand variety
/// next; the intent gate late, because showing off-intent items is what "diversify within the
/// intent" forbids; variant dedupe last, because two variants of one product side by side is the
/// worst experience. Never relaxed at all: out-of-stock exclusion (when enabled), no duplicates,
/// no seed items, slot 1 = the most relevant item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Slots 2-4 cover at least two categories adjacent to the seed's.
    AdjacentCoverage,
    /// No vendor above its maximum share of the list.
    VendorShare,
    /// At most `max` items per brand within the first `window` slots.
    BrandCap,
    /// While the session has a strong intent, only items matching it.
    IntentGate,
    /// One item per variant family.
    FamilyDedupe,
}

impl Rule {
    /// All rules in relaxation order.
    pub const RELAXATION_ORDER: [Self; 5] = [
        Self::AdjacentCoverage,
        Self::VendorShare,
        Self::BrandCap,
        Self::IntentGate,
        Self::FamilyDedupe,
    ];
}

/// A rule that was relaxed to fill one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relaxation {
    /// The rule.
    pub rule: Rule,
    /// The 0-based slot it was relaxed for.
    pub slot: usize,
}

/// Settings of constrained selection. Defaults: out-of-stock excluded, family dedupe on, at most
/// 2 per brand in the top 8, no vendor above 50 % of the list, slots 2-4 cover 2 adjacent
/// categories, intent gate at match ≥ 0.5 when intent strength ≥ 0.6, diversity λ = 0.3.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Drop items that are not in stock (never relaxed).
    pub exclude_out_of_stock: bool,
    /// One item per variant family.
    pub dedupe_families: bool,
    /// At most `.0` items of one brand among the first `.1` slots.
    pub brand_cap: Option<(usize, usize)>,
    /// Maximum share of the list one vendor may hold, in `(0, 1]`; at least one item is allowed.
    pub max_vendor_share: Option<f32>,
    /// Slots 2-4 must cover at least two categories adjacent to the seed's.
    pub adjacent_coverage: bool,
    /// Minimum intent match while the intent gate is active.
    pub intent_floor: Option<f32>,
    /// Intent strength from which the gate is active.
    pub intent_min_strength: f32,
    /// Weight of the redundancy penalty in the greedy gain `score − λ·max_sim`.
    pub lambda: f32,
}

impl Default for RuleSet {
    fn default() -> Self {
        Self {
            exclude_out_of_stock: true,
            dedupe_families: true,
            brand_cap: Some((2, 8)),
            max_vendor_share: Some(0.5),
            adjacent_coverage: true,
            intent_floor: Some(0.5),
            intent_min_strength: 0.6,
            lambda: 0.3,
        }
    }
}

impl RuleSet {
    /// No relaxable rule at all (plain greedy diversification with stock filtering).
    #[must_use]
    pub fn none() -> Self {
        Self {
            dedupe_families: false,
            brand_cap: None,
            max_vendor_share: None,
            adjacent_coverage: false,
            intent_floor: None,
            ..Self::default()
        }
    }

    /// Checks parameter ranges.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for a vendor share outside `(0, 1]`, a brand cap of 0, or a
    /// non-finite / negative λ or intent threshold.
    pub fn validate(&self) -> Result<()> {
        let bad = |name, reason| Err(RankerError::InvalidParameter { name, reason });
        if let Some(share) = self.max_vendor_share
            && !(share > 0.0 && share <= 1.0)
        {
            return bad("max_vendor_share", "must be in (0,1]");
        }
        if let Some((max, _)) = self.brand_cap
            && max == 0
        {
            return bad("brand_cap", "must allow at least one item per brand");
        }
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return bad("lambda", "must be finite and non-negative");
        }
        let floor_ok = self.intent_floor.is_none_or(|f| f.is_finite());
        if !floor_ok || !self.intent_min_strength.is_finite() {
            return bad("intent_floor", "must be finite");
        }
        Ok(())
    }

    /// Most items one vendor may hold in a list of `k`.
    #[must_use]
    pub fn vendor_limit(&self, k: usize) -> usize {
        self.max_vendor_share
            .map_or(usize::MAX, |s| ((s * k as f32).floor() as usize).max(1))
    }
}
