//! Validation of policy files into typed, ready-to-use surface policies.

use std::collections::BTreeMap;

use super::{
    ArmSelection, ExplorationSpec, ModuleSpec, POLICY_VERSION, PolicyError, PolicySpec, Scope,
    SlotSpec,
};
use crate::context::{Surface, TrafficSource};
use crate::rerank::Policy;
use crate::scoring::Weights;

/// Most slots one module may have.
const MAX_SLOTS: usize = 50;
/// The range every exploration cap must lie in.
const CAP_RANGE: std::ops::RangeInclusive<f32> = 0.05..=0.15;

/// A validated module.
#[derive(Debug, Clone, PartialEq)]
pub struct ModulePolicy {
    /// Display name.
    pub name: String,
    /// Number of slots.
    pub slots: usize,
    /// Candidate scope.
    pub scope: Scope,
    /// Re-ranker for the relevance slots (validated).
    pub reranker: Policy,
    /// How many of the slots are discovery slots (`round(discovery share × slots)`).
    pub discovery_slots: usize,
    /// Normalised blend weights.
    pub weights: Weights,
    /// Only in-stock items.
    pub in_stock_only: bool,
    /// Slots that show the newest eligible item, sorted, each `< slots`.
    pub new_arrival_slots: Vec<usize>,
    /// Whether the ranker's brand cap holds in this module.
    pub brand_cap: bool,
}

/// Validated exploration settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplorationPolicy {
    /// `false` = kill switch thrown: nothing is explored.
    pub enabled: bool,
    /// (module index, slot, ε before caps).
    pub slots: Vec<(usize, usize, f32)>,
    /// Cap on the expected explored share of shown items.
    pub max_share: f32,
    /// Per-source caps (tighter of the two applies).
    pub max_share_by_source: BTreeMap<TrafficSource, f32>,
    /// Minimum margin of an explored item.
    pub min_margin: f32,
    /// Minimum inventory health of an explored item.
    pub min_inventory: f32,
    /// How an exploration slot picks its item.
    pub arms: ArmSelection,
}

/// A validated surface policy: what [`Ranker::serve`](crate::Ranker::serve) runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfacePolicy {
    /// Schema version it was read from.
    pub version: u32,
    /// The surface (`None` = cold-start fallback).
    pub surface: Option<Surface>,
    /// Modules in page order.
    pub modules: Vec<ModulePolicy>,
    /// Exploration.
    pub exploration: ExplorationPolicy,
}

impl ExplorationPolicy {
    /// The exploration probability of every exploration slot for a visit from `source`:
    /// scaled down so the expected explored share of the `total_slots` shown stays within the
    /// cap; empty when the kill switch is thrown.
    #[must_use]
    pub fn effective(&self, source: TrafficSource, total_slots: usize) -> Vec<(usize, usize, f32)> {
        if !self.enabled || total_slots == 0 {
            return Vec::new();
        }
        let cap = self
            .max_share_by_source
            .get(&source)
            .map_or(self.max_share, |c| c.min(self.max_share));
        let share: f32 = self.slots.iter().map(|s| s.2).sum::<f32>() / total_slots as f32;
        let scale = if share > cap { cap / share } else { 1.0 };
        self.slots
            .iter()
            .map(|&(m, s, e)| (m, s, e * scale))
            .collect()
    }
}

impl PolicySpec {
    /// Checks every field and returns the typed policy.
    ///
    /// # Errors
    /// [`PolicyError`] naming the first offending field.
    pub fn validate(&self) -> Result<SurfacePolicy, PolicyError> {
        if self.version != POLICY_VERSION {
            return Err(PolicyError::UnsupportedVersion {
                found: self.version,
                supported: POLICY_VERSION,
            });
        }
        if self.modules.is_empty() {
            return Err(PolicyError::invalid("modules", "at least one module"));
        }
        let modules = self
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| module(i, m))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, m) in modules.iter().enumerate() {
            if modules[..i].iter().any(|o| o.name == m.name) {
                return Err(PolicyError::invalid(
                    format!("modules[{i}].name"),
                    "must be unique",
                ));
            }
        }
        let exploration = exploration(&self.exploration, &modules)?;
        Ok(SurfacePolicy {
            version: self.version,
            surface: self.surface,
            modules,
            exploration,
        })
    }
}

fn module(i: usize, m: &ModuleSpec) -> Result<ModulePolicy, PolicyError> {
    let field = |f: &str| format!("modules[{i}].{f}");
    if m.slots == 0 || m.slots > MAX_SLOTS {
        return Err(PolicyError::invalid(field("slots"), "must be in 1..=50"));
    }
    let (r, d) = (m.mix.relevance, m.mix.discovery);
    if !(r.is_finite() && d.is_finite() && r >= 0.0 && d >= 0.0) {
        return Err(PolicyError::invalid(
            field("mix"),
            "shares must be in [0,1]",
        ));
    }
    if ((r + d) - 1.0).abs() > 1e-4 {
        return Err(PolicyError::SharesDoNotAddUp {
            field: field("mix"),
            sum: r + d,
        });
    }
    // The policy error names the field and the rule; the ranker's own error would say the
    // same without the field, so it is not chained.
    if m.reranker.validate().is_err() {
        return Err(PolicyError::invalid(
            field("reranker"),
            "λ in [0,1], α finite ≥ 0",
        ));
    }
    let Ok(weights) = m.weights.unwrap_or_default().validated() else {
        return Err(PolicyError::invalid(
            field("weights"),
            "finite, ≥ 0, not all 0",
        ));
    };
    let mut new_arrival_slots = m.new_arrival_slots.clone();
    new_arrival_slots.sort_unstable();
    new_arrival_slots.dedup();
    if new_arrival_slots.iter().any(|s| *s >= m.slots) {
        return Err(PolicyError::invalid(
            field("new_arrival_slots"),
            "each slot must be < slots",
        ));
    }
    Ok(ModulePolicy {
        name: m.name.clone(),
        slots: m.slots,
        scope: m.scope,
        reranker: m.reranker,
        discovery_slots: (d * m.slots as f32).round() as usize,
        weights,
        in_stock_only: m.in_stock_only,
        new_arrival_slots,
        brand_cap: m.brand_cap,
    })
}

fn share(field: String, x: f32) -> Result<f32, PolicyError> {
    if CAP_RANGE.contains(&x) {
        Ok(x)
    } else {
        Err(PolicyError::invalid(field, "must be in [0.05, 0.15]"))
    }
}

fn exploration(
    e: &ExplorationSpec,
    modules: &[ModulePolicy],
) -> Result<ExplorationPolicy, PolicyError> {
    let max_share = share("exploration.max_share".into(), e.max_share)?;
    for (source, cap) in &e.max_share_by_source {
        share(format!("exploration.max_share_by_source.{source:?}"), *cap)?;
    }
    for (name, x) in [
        ("min_margin", e.min_margin),
        ("min_inventory", e.min_inventory),
    ] {
        if !(0.0..=1.0).contains(&x) {
            return Err(PolicyError::invalid(
                format!("exploration.{name}"),
                "must be in [0,1]",
            ));
        }
    }
    let slots = e
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| slot(i, s, modules))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ExplorationPolicy {
        enabled: e.enabled,
        slots,
        max_share,
        max_share_by_source: e.max_share_by_source.clone(),
        min_margin: e.min_margin,
        min_inventory: e.min_inventory,
        arms: e.arms,
    })
}

fn slot(
    i: usize,
    s: &SlotSpec,
    modules: &[ModulePolicy],
) -> Result<(usize, usize, f32), PolicyError> {
    let field = |f: &str| format!("exploration.slots[{i}].{f}");
    let Some(m) = modules.iter().position(|m| m.name == s.module) else {
        return Err(PolicyError::invalid(field("module"), "must name a module"));
    };
    if s.slot >= modules[m].slots {
        return Err(PolicyError::invalid(
            field("slot"),
            "must be < the module's slots",
        ));
    }
    if !(s.epsilon > 0.0 && s.epsilon <= 1.0) {
        return Err(PolicyError::invalid(field("epsilon"), "must be in (0,1]"));
    }
    Ok((m, s.slot, s.epsilon))
}
