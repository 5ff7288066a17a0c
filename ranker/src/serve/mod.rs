//! Serving one request: every module of a surface policy, with injections and exploration.

mod explore;
mod module;
mod scope;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::candidates::{CandidatePool, SourceSet};
use crate::catalog::{Catalog, ItemId};
use crate::context::Context;
use crate::error::Result;
use crate::intent::Intent;
use crate::list::Reason;
use crate::policy::SurfacePolicy;
use crate::ranker::{Ranker, anchor_category};
use crate::scoring::{FeatureTable, ScoreComponents};

use scope::Anchor;

/// One shown item with what the impression log needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ServedItem {
    /// The item.
    pub item: ItemId,
    /// The caller's id for it.
    pub external_id: i64,
    /// Blended score in `[0, 1]` (module weights).
    pub score: f32,
    /// The features behind the score.
    pub components: ScoreComponents,
    /// Why it is shown.
    pub reason: Reason,
    /// Every generator that proposed it.
    pub sources: SourceSet,
    /// Probability that this slot shows this item given the request (and earlier slots' draws):
    /// 1 for deterministic slots; see the exploration docs for exploration slots.
    pub propensity: f32,
    /// Whether an exploration draw put it here.
    pub explored: bool,
}

/// One module's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServedModule {
    /// The module's name from the policy.
    pub name: String,
    /// Items in slot order.
    pub items: Vec<ServedItem>,
}

/// What [`Ranker::serve`] returns: the modules in page order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServedList {
    /// The modules, in the policy's order; an item appears in at most one.
    pub modules: Vec<ServedModule>,
    /// The session intent.
    pub intent: Intent,
}

impl ServedList {
    /// Every shown item, module by module.
    pub fn items(&self) -> impl Iterator<Item = &ServedItem> {
        self.modules.iter().flat_map(|m| m.items.iter())
    }
}

impl Ranker {
    /// Serves one request under a surface `policy`: scores `pool` once, fills every module
    /// (scope, re-ranker, discovery slots, new-arrival slots), then runs the policy's
    /// exploration slots with probabilities capped for the visit's traffic source. Every item
    /// carries its exact propensity. Randomness comes only from `rng`.
    ///
    /// The ranker's own intent settings, similarity and rule set apply; the policy's module
    /// overrides weights, re-ranker and stock filtering.
    ///
    /// # Errors
    /// None today for validated inputs (the `Result` leaves room for future checks).
    pub fn serve<R: Rng + ?Sized>(
        &self,
        catalog: &Catalog,
        pool: &CandidatePool,
        ctx: &Context,
        policy: &SurfacePolicy,
        rng: &mut R,
    ) -> Result<ServedList> {
        let intent = Intent::detect(catalog, ctx, &self.settings().intent);
        let eligible = pool
            .candidates()
            .iter()
            .filter(|c| !ctx.seeds.contains(&c.item));
        let table = FeatureTable::build(catalog, eligible, &intent, ctx.now);
        let best = table.top_k(&self.settings().weights, 1);
        let anchor = Anchor::new(
            anchor_category(catalog, ctx, &intent, best.first()),
            &intent,
        );
        let total: usize = policy.modules.iter().map(|m| m.slots).sum();
        let epsilons = policy.exploration.effective(ctx.visit.source, total);
        let mut out = ServedList {
            modules: Vec::with_capacity(policy.modules.len()),
            intent,
        };
        let mut shown: Vec<ItemId> = Vec::new();
        for (index, m) in policy.modules.iter().enumerate() {
            let job = module::Job {
                ranker: self,
                catalog,
                ctx,
                intent: &out.intent,
                anchor: &anchor,
                module: m,
                exploration: &policy.exploration,
                epsilons: epsilons
                    .iter()
                    .filter(|e| e.0 == index)
                    .map(|e| (e.1, e.2))
                    .collect(),
            };
            let items = job.run(&table, &mut shown, rng);
            out.modules.push(ServedModule {
                name: m.name.clone(),
                items,
            });
        }
        Ok(out)
    }
}
