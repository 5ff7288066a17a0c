//! The documented default policies, one per surface, plus the cold-start fallback.

use std::collections::BTreeMap;

use super::{
    ExplorationPolicy, ExplorationSpec, Mix, ModuleSpec, POLICY_VERSION, PolicySpec, Scope,
    SlotSpec, SurfacePolicy,
};
use crate::candidates::CandidatePool;
use crate::context::{Context, Surface, TrafficSource};
use crate::rerank::Policy;
use crate::scoring::Weights;

/// One validated policy per surface and a cold-start fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySet {
    surfaces: Vec<SurfacePolicy>,
    cold_start: SurfacePolicy,
}

fn module(name: &str, slots: usize, scope: Scope, reranker: Policy) -> ModuleSpec {
    ModuleSpec {
        name: name.into(),
        slots,
        scope,
        reranker,
        mix: Mix::default(),
        weights: None,
        in_stock_only: true,
        new_arrival_slots: Vec::new(),
        brand_cap: true,
    }
}

/// Exploration on, with the given slots (module, slot, ε) and cap.
fn explore(slots: &[(&str, usize, f32)], max_share: f32) -> ExplorationSpec {
    ExplorationSpec {
        enabled: true,
        slots: slots
            .iter()
            .map(|(m, s, e)| SlotSpec {
                module: (*m).into(),
                slot: *s,
                epsilon: *e,
            })
            .collect(),
        max_share,
        max_share_by_source: BTreeMap::from([(TrafficSource::Paid, 0.05)]),
        ..ExplorationSpec::default()
    }
}

fn spec(
    surface: Option<Surface>,
    modules: Vec<ModuleSpec>,
    exploration: ExplorationSpec,
) -> PolicySpec {
    PolicySpec {
        version: POLICY_VERSION,
        surface,
        modules,
        exploration,
    }
}

/// Home: 8 slots, 60/40 relevance/discovery, a new arrival in slot 3, slot 6 explores at 10 %.
fn home() -> PolicySpec {
    let mut m = module("for_you", 8, Scope::Any, Policy::Constrained);
    m.mix = Mix {
        relevance: 0.6,
        discovery: 0.4,
    };
    m.new_arrival_slots = vec![2];
    spec(
        Some(Surface::Home),
        vec![m],
        explore(&[("for_you", 5, 0.10)], 0.10),
    )
}

/// PDP: similar items (tight, MMR λ 0.8), you may also like (wide, constrained; slot 4 explores
/// at 10 %), complete the look (complements, MMR λ 0.7, 4 slots).
fn product() -> PolicySpec {
    let modules = vec![
        module(
            "similar_items",
            8,
            Scope::Tight,
            Policy::Mmr { lambda: 0.8 },
        ),
        module("you_may_also_like", 8, Scope::Wide, Policy::Constrained),
        module(
            "complete_the_look",
            4,
            Scope::Complements,
            Policy::Mmr { lambda: 0.7 },
        ),
    ];
    let e = explore(&[("you_may_also_like", 3, 0.10)], 0.10);
    spec(Some(Surface::Product), modules, e)
}

/// Cart: complements only, margin-aware weights, no exploration.
fn cart() -> PolicySpec {
    let mut m = module(
        "accessories",
        6,
        Scope::Complements,
        Policy::Mmr { lambda: 0.8 },
    );
    m.weights = Some(Weights {
        relevance: 0.45,
        intent: 0.10,
        margin: 0.30,
        inventory: 0.10,
        novelty: 0.05,
    });
    spec(Some(Surface::Cart), vec![m], ExplorationSpec::default())
}

/// Post-purchase: complements "complete your order" (MMR λ 0.6), slot 7 explores at 10 %.
fn post_purchase() -> PolicySpec {
    let m = module(
        "complete_your_order",
        8,
        Scope::Complements,
        Policy::Mmr { lambda: 0.6 },
    );
    let e = explore(&[("complete_your_order", 6, 0.10)], 0.10);
    spec(Some(Surface::PostPurchase), vec![m], e)
}

/// Email: wide (DPP α 1, 25 % discovery), slots 5 and 8 explore at 10 %, cap 15 %.
fn email() -> PolicySpec {
    let mut wide = module("picked_for_you", 8, Scope::Any, Policy::Dpp { alpha: 1.0 });
    wide.mix = Mix {
        relevance: 0.75,
        discovery: 0.25,
    };
    let e = explore(
        &[("picked_for_you", 4, 0.10), ("picked_for_you", 7, 0.10)],
        0.15,
    );
    spec(Some(Surface::Email), vec![wide], e)
}

/// Search: branded query tight to the brand, generic query diversified (MMR λ 0.6); cap 5 %.
fn search() -> PolicySpec {
    let m = module("search_recs", 8, Scope::Query, Policy::Mmr { lambda: 0.6 });
    let e = explore(&[("search_recs", 7, 0.10)], 0.05);
    spec(Some(Surface::Search), vec![m], e)
}

/// Checkout: complements only, score order, no exploration.
fn checkout() -> PolicySpec {
    let m = module("last_chance", 4, Scope::Complements, Policy::ScoreOnly);
    spec(Some(Surface::Checkout), vec![m], ExplorationSpec::default())
}

/// Cold start: popular and new (DPP α 1), new arrivals in slots 2 and 6, slot 8 explores.
fn cold_start() -> PolicySpec {
    let mut cold = module("popular_and_new", 8, Scope::Any, Policy::Dpp { alpha: 1.0 });
    cold.weights = Some(Weights {
        relevance: 0.3,
        intent: 0.0,
        margin: 0.2,
        inventory: 0.3,
        novelty: 0.2,
    });
    cold.new_arrival_slots = vec![1, 5];
    let e = explore(&[("popular_and_new", 7, 0.10)], 0.10);
    spec(None, vec![cold], e)
}

/// The default policies as data (for writing out or editing); [`PolicySet::default`] validates
/// exactly these.
#[must_use]
pub fn default_specs() -> (Vec<PolicySpec>, PolicySpec) {
    let surfaces = vec![
        home(),
        product(),
        cart(),
        post_purchase(),
        email(),
        search(),
        checkout(),
    ];
    (surfaces, cold_start())
}

/// A policy that shows nothing; stands in if a default ever failed validation (a unit test
/// checks that none does).
fn empty(surface: Option<Surface>) -> SurfacePolicy {
    SurfacePolicy {
        version: POLICY_VERSION,
        surface,
        modules: Vec::new(),
        exploration: ExplorationPolicy {
            enabled: false,
            slots: Vec::new(),
            max_share: 0.05,
            max_share_by_source: BTreeMap::new(),
            min_margin: 1.0,
            min_inventory: 1.0,
            arms: super::ArmSelection::Uniform,
        },
    }
}

impl Default for PolicySet {
    /// The documented defaults of [`default_specs`]: home 60/40 with a new arrival and a 10 %
    /// exploration slot; PDP similar / you may also like (slot 4 at 10 %) / complete the look;
    /// cart complements with margin-aware weights; post-purchase cross-category; email wide
    /// (DPP α 1, 25 % discovery); search branded-tight / generic-diversified; checkout tight with
    /// no exploration; cold start popular + new arrivals. Caps: 10 % (email 15 %, search 5 %),
    /// paid traffic 5 %.
    fn default() -> Self {
        let (surfaces, cold) = default_specs();
        let surfaces = surfaces
            .iter()
            .map(|s| s.validate().unwrap_or_else(|_| empty(s.surface)))
            .collect();
        Self {
            surfaces,
            cold_start: cold.validate().unwrap_or_else(|_| empty(None)),
        }
    }
}

impl PolicySet {
    /// A set from validated policies; surfaces without one use the cold-start policy.
    #[must_use]
    pub fn new(surfaces: Vec<SurfacePolicy>, cold_start: SurfacePolicy) -> Self {
        Self {
            surfaces,
            cold_start,
        }
    }

    /// The policy of `surface` (the cold-start policy if none is set).
    #[must_use]
    pub fn get(&self, surface: Surface) -> &SurfacePolicy {
        self.surfaces
            .iter()
            .find(|p| p.surface == Some(surface))
            .unwrap_or(&self.cold_start)
    }

    /// The policy for a request: the cold-start fallback when the request has no signals (no
    /// seeds, no events, a new shopper) or the pool has no relevance at all (a product nobody
    /// interacted with); the surface's policy otherwise.
    #[must_use]
    pub fn for_request(&self, ctx: &Context, pool: &CandidatePool) -> &SurfacePolicy {
        let no_shopper = ctx.seeds.is_empty() && ctx.events.is_empty() && !ctx.shopper.returning;
        let no_signal = pool.candidates().iter().all(|c| c.relevance <= 0.0);
        if (no_shopper && ctx.surface != Surface::Home) || no_signal {
            &self.cold_start
        } else {
            self.get(ctx.surface)
        }
    }

    /// The cold-start policy.
    #[must_use]
    pub fn cold_start(&self) -> &SurfacePolicy {
        &self.cold_start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_policy_validates_and_round_trips_through_json() {
        let (surfaces, cold) = default_specs();
        for spec in surfaces.iter().chain([&cold]) {
            let json = serde_json::to_string(spec).unwrap();
            assert_eq!(
                PolicySpec::from_json(&json).unwrap(),
                spec.validate().unwrap()
            );
        }
        let set = PolicySet::default();
        assert!(
            set.get(Surface::Checkout)
                .exploration
                .effective(TrafficSource::Direct, 4)
                .is_empty()
        );
        assert_eq!(set.get(Surface::Product).modules.len(), 3);
    }
}
