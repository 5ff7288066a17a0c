//! Serving one request: every module of a surface policy, with injections and exploration.

mod explore;
mod module;
mod scope;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::bandit::{FEATURES, context_features};
use crate::candidates::{Candidate, CandidatePool, Source, SourceSet};
use crate::catalog::{Catalog, Item, ItemId};
use crate::context::Context;
use crate::error::Result;
use crate::intent::Intent;
use crate::list::RankedItem;
use crate::merchant::{Active, PinOutcome};
use crate::policy::{ArmSelection, Scope, SurfacePolicy};
use crate::ranker::{Ranker, anchor_category};
use crate::scoring::FeatureTable;
use crate::signals::Signals;

use scope::Anchor;

/// The policy step that put an item into its slot, for the merchant's preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The module's scope and re-ranker (relevance slots).
    #[default]
    Relevance,
    /// A discovery slot (outside the anchor category, DPP).
    Discovery,
    /// A new-arrival slot (the newest eligible item).
    NewArrival,
    /// The repair pass: the slot broke the brand cap or the family dedupe and took the
    /// best-scored row that fits.
    Repair,
    /// An exploration draw.
    Exploration,
    /// A merchant's pin ([`ServedList::pins`] says whether it moved, and why).
    Pinned,
}

/// One shown item: the ranked item, plus what the impression log needs to attribute it and
/// to evaluate the policy off-line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ServedItem {
    /// The item as ranked: its id, score, score components, reason and sources.
    #[serde(flatten)]
    pub ranked: RankedItem,
    /// Probability that this slot shows this item given the request (and earlier slots' draws):
    /// 1 for deterministic slots; see the exploration docs for exploration slots.
    pub propensity: f32,
    /// Whether an exploration draw put it here.
    pub explored: bool,
    /// The policy step that placed it.
    #[serde(default)]
    pub step: Step,
    /// The candidate source a bandit explored it from (the arm to credit with
    /// [`ExploreBandit::update`](crate::bandit::ExploreBandit::update)); `None` otherwise.
    #[serde(default)]
    pub arm: Option<Source>,
    /// The merchant rule that pinned, boosted or buried it.
    #[serde(default)]
    pub rule: Option<i64>,
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
    /// The request features a bandit chose exploration arms from (`None` when no bandit was
    /// consulted): pass them back to [`ExploreBandit::update`](crate::bandit::ExploreBandit::update).
    #[serde(default)]
    pub bandit_context: Option<[f64; FEATURES]>,
    /// What became of each merchant pin in force: the slot it got, or why it moved or is
    /// not shown.
    #[serde(default)]
    pub pins: Vec<PinOutcome>,
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
        self.serve_with(catalog, pool, ctx, policy, &Signals::default(), rng)
    }

    /// [`Ranker::serve`] with caller-owned [`Signals`]: an exposure ledger applies the
    /// [`ExposureConfig`](crate::ExposureConfig) penalty to every module's rows before
    /// selection; a bandit picks exploration arms when the policy's exploration says
    /// [`ArmSelection::Bandit`] (the caps and kill switch apply unchanged, propensities stay
    /// exact, and [`ServedList::bandit_context`] carries the features for the update).
    ///
    /// # Errors
    /// A bandit whose state does not fit the request features (it is checked on
    /// deserialisation, so only a hand-built one can).
    pub fn serve_with<R: Rng + ?Sized>(
        &self,
        catalog: &Catalog,
        pool: &CandidatePool,
        ctx: &Context,
        policy: &SurfacePolicy,
        signals: &Signals<'_>,
        rng: &mut R,
    ) -> Result<ServedList> {
        let intent = Intent::detect(catalog, ctx, &self.settings().intent);
        let seeds: Vec<&Item> = ctx.seeds.iter().filter_map(|s| catalog.item(*s)).collect();
        let rules = signals
            .rules
            .map(|r| r.active(ctx.surface, ctx.now))
            .unwrap_or_default();
        let pinned = unpooled_pins(catalog, pool, &rules);
        // A seed is never recommended back, nor another variant of it (a cart holding a
        // dress in blue is not completed by the same dress in red).
        let eligible = pool.candidates().iter().chain(&pinned).filter(|c| {
            !ctx.seeds.contains(&c.item)
                && catalog.item(c.item).is_some_and(|item| {
                    item.family
                        .is_none_or(|f| seeds.iter().all(|s| s.family != Some(f)))
                })
        });
        let table = FeatureTable::build(catalog, eligible, &intent, ctx.now);
        let best = table.top_k(&self.settings().weights, 1);
        let anchor = Anchor::new(
            anchor_category(catalog, ctx, &intent, best.first()),
            seeds.iter().map(|s| s.category).collect(),
            ctx.query_brand(catalog).unwrap_or(intent.brand),
        );
        let total: usize = policy.modules.iter().map(|m| m.slots).sum();
        let epsilons = policy.exploration.effective(ctx.visit.source, total);
        let use_bandit = policy.exploration.arms == ArmSelection::Bandit
            && signals.bandit.is_some()
            && !epsilons.is_empty();
        let x = use_bandit.then(|| context_features(catalog, ctx, &intent));
        let mut out = ServedList {
            modules: Vec::with_capacity(policy.modules.len()),
            intent,
            bandit_context: x,
            pins: Vec::new(),
        };
        let mut shown: Vec<ItemId> = Vec::new();
        let mut filled: Vec<Option<ServedModule>> = vec![None; policy.modules.len()];
        for index in fill_order(policy) {
            let m = &policy.modules[index];
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
                signals,
                bandit_x: x.as_ref().map(|v| v.as_slice()),
                rules: &rules,
                pins_here: index == 0,
            };
            let items = job.run(&table, &mut shown, &mut out.pins, rng)?;
            filled[index] = Some(ServedModule {
                name: m.name.clone(),
                items,
            });
        }
        out.modules = filled.into_iter().flatten().collect();
        Ok(out)
    }
}

/// Pinned products the pool does not hold, as candidates without relevance: a pin shows its
/// product whether or not a generator proposed it.
fn unpooled_pins(catalog: &Catalog, pool: &CandidatePool, rules: &Active<'_>) -> Vec<Candidate> {
    rules
        .pins()
        .filter_map(|(_, _, product)| catalog.id_of(product))
        .filter(|item| pool.candidates().iter().all(|c| c.item != *item))
        .map(|item| Candidate {
            item,
            relevance: 0.0,
            sources: SourceSet::default(),
            primary: Source::Popularity,
            via: None,
        })
        .collect()
}

/// The order modules take their items in (they are answered in the policy's order): the
/// narrowest promise first, so that a module never takes the few items only a later one may
/// show. Complements first: in a small shop similar items short of their own category stand
/// in with its siblings, which may be the very categories that complete the look (a Dutch
/// oven's four fellow pans leave "Similar items" to the kitchen utensils, and "Complete the
/// look" empty). Then similar, then wide, then the open modules.
fn fill_order(policy: &SurfacePolicy) -> Vec<usize> {
    let rank = |scope: Scope| match scope {
        Scope::Complements => 0,
        Scope::Tight => 1,
        Scope::Wide | Scope::Query => 2,
        Scope::CrossCategory | Scope::Any => 3,
    };
    let mut order: Vec<usize> = (0..policy.modules.len()).collect();
    order.sort_by_key(|&i| rank(policy.modules[i].scope));
    order
}
