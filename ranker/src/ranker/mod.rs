//! The entry point: score a pool for a context and re-rank it into a list.

mod builder;
mod shortlist;

pub use builder::{RankerBuilder, RankerSettings};
pub(crate) use shortlist::anchor_category;
use shortlist::{clean, row_facts, sanitised};

use crate::candidates::CandidatePool;
use crate::catalog::Catalog;
use crate::context::Context;
use crate::error::Result;
use crate::exposure;
use crate::intent::Intent;
use crate::list::{RankedItem, RankedList, Reason};
use crate::rerank::constrained::Problem;
use crate::rerank::rules::Relaxation;
use crate::rerank::similarity::SimSpace;
use crate::rerank::{Policy, dpp::dpp, mmr::mmr};
use crate::scoring::{FeatureTable, Scored};
use crate::signals::Signals;

/// A validated, reusable ranker (cheap to clone; hold one per shop and surface).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranker {
    pub(super) settings: RankerSettings,
}

impl Ranker {
    /// Starts a builder with documented defaults.
    #[must_use]
    pub fn builder() -> RankerBuilder {
        RankerBuilder::default()
    }

    /// The settings in force.
    #[must_use]
    pub fn settings(&self) -> &RankerSettings {
        &self.settings
    }

    /// Ranks `pool` for `ctx` into at most `k` items.
    ///
    /// Seeds are never recommended back; with `exclude_out_of_stock` out-of-stock items are
    /// dropped for every policy. `k = 0` or an empty pool give an empty list; pool items unknown
    /// to `catalog` are skipped. The list has `min(k, eligible items)` entries.
    ///
    /// # Errors
    /// None today for validated inputs; the `Result` leaves room for checks on future inputs.
    pub fn rank(
        &self,
        catalog: &Catalog,
        pool: &CandidatePool,
        ctx: &Context,
        k: usize,
    ) -> Result<RankedList> {
        let (intent, shortlist) = self.score(catalog, pool, ctx, k);
        Ok(self.rerank(catalog, ctx, intent, &shortlist, k))
    }

    /// [`Ranker::rank`] with caller-owned [`Signals`]: with an exposure ledger, the shortlist's
    /// scores get the [`ExposureConfig`](crate::ExposureConfig) penalty before re-ranking
    /// (constrained selection's slot 1 still goes to the highest *relevance*). The bandit is
    /// not used here (`rank` has no exploration).
    ///
    /// # Errors
    /// As [`Ranker::rank`].
    pub fn rank_with(
        &self,
        catalog: &Catalog,
        pool: &CandidatePool,
        ctx: &Context,
        k: usize,
        signals: &Signals<'_>,
    ) -> Result<RankedList> {
        let (intent, mut shortlist) = self.score(catalog, pool, ctx, k);
        if let Some(ledger) = signals.exposure {
            exposure::apply(
                &mut shortlist,
                ledger,
                &self.settings.exposure,
                catalog.len(),
            );
        }
        Ok(self.rerank(catalog, ctx, intent, &shortlist, k))
    }

    /// Step 1 of [`Ranker::rank`]: detects intent and returns the best-scored eligible
    /// candidates (the shortlist, at least `k` long when the pool allows), best first.
    #[must_use]
    pub fn score(
        &self,
        catalog: &Catalog,
        pool: &CandidatePool,
        ctx: &Context,
        k: usize,
    ) -> (Intent, Vec<Scored>) {
        let intent = Intent::detect(catalog, ctx, &self.settings.intent);
        if k == 0 {
            return (intent, Vec::new());
        }
        let stock = self.settings.rules.exclude_out_of_stock;
        let eligible = pool.candidates().iter().filter(|c| {
            !ctx.seeds.contains(&c.item)
                && catalog.item(c.item).is_some_and(|i| i.in_stock || !stock)
        });
        let table = FeatureTable::build(catalog, eligible, &intent, ctx.now);
        (
            intent,
            table.top_k(&self.settings.weights, self.settings.shortlist.max(k)),
        )
    }

    /// Step 2 of [`Ranker::rank`]: re-ranks a best-first shortlist with the policy.
    ///
    /// Meant for the output of [`Ranker::score`]; a hand-made shortlist with unknown items or
    /// duplicates is cleaned first (unknown dropped, first occurrence kept).
    #[must_use]
    pub fn rerank(
        &self,
        catalog: &Catalog,
        ctx: &Context,
        intent: Intent,
        shortlist: &[Scored],
        k: usize,
    ) -> RankedList {
        let owned;
        let shortlist = if clean(catalog, shortlist) {
            shortlist
        } else {
            owned = sanitised(catalog, shortlist);
            owned.as_slice()
        };
        let k = k.min(shortlist.len());
        let (order, relaxed) = self.select(catalog, ctx, &intent, shortlist, k);
        let items = to_items(catalog, shortlist, order);
        RankedList {
            items,
            relaxed,
            intent,
        }
    }

    /// Runs the policy over a clean shortlist: slot order as shortlist rows, plus relaxations.
    fn select(
        &self,
        catalog: &Catalog,
        ctx: &Context,
        intent: &Intent,
        shortlist: &[Scored],
        k: usize,
    ) -> (Vec<usize>, Vec<Relaxation>) {
        let s = &self.settings;
        let ids: Vec<_> = shortlist.iter().map(|c| c.item).collect();
        let quality: Vec<f32> = shortlist.iter().map(|c| c.score).collect();
        match s.policy {
            Policy::ScoreOnly => ((0..k).collect(), Vec::new()),
            Policy::Mmr { lambda } => {
                let space = SimSpace::new(catalog, &ids, &s.similarity);
                (mmr(&space, &quality, k, lambda), Vec::new())
            }
            Policy::Dpp { alpha } => {
                let space = SimSpace::pairwise(catalog, &ids, &s.similarity);
                (dpp(&space, &quality, k, alpha), Vec::new())
            }
            Policy::Constrained => {
                let space = SimSpace::new(catalog, &ids, &s.similarity);
                let rows = row_facts(catalog, ctx, intent, shortlist);
                let gate =
                    intent.category.is_some() && intent.strength >= s.rules.intent_min_strength;
                let problem = Problem {
                    rows: &rows,
                    space: &space,
                    rules: &s.rules,
                    intent_gate: gate,
                    k,
                };
                problem.solve()
            }
        }
    }
}

/// The selected shortlist rows as list items, in slot order.
fn to_items(catalog: &Catalog, shortlist: &[Scored], order: Vec<usize>) -> Vec<RankedItem> {
    order
        .into_iter()
        .filter_map(|i| {
            let c = shortlist.get(i)?;
            let item = catalog.item(c.item)?;
            Some(RankedItem {
                item: c.item,
                external_id: item.external_id,
                score: c.score,
                components: c.components,
                reason: Reason::of(c.primary, c.via, item.category),
                sources: c.sources,
            })
        })
        .collect()
}
