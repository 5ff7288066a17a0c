//! The entry point: score a pool for a context and re-rank it into a list.

use serde::{Deserialize, Serialize};

use crate::candidates::CandidatePool;
use crate::catalog::{Catalog, CategoryId};
use crate::context::Context;
use crate::error::Result;
use crate::intent::{Intent, IntentConfig};
use crate::list::{RankedItem, RankedList, Reason};
use crate::rerank::constrained::{Problem, RowFacts};
use crate::rerank::rules::RuleSet;
use crate::rerank::similarity::{SimSpace, SimilarityConfig};
use crate::rerank::{Policy, dpp::dpp, mmr::mmr};
use crate::scoring::{FeatureTable, Scored, Weights};

/// Everything a [`Ranker`] is configured with; see [`RankerBuilder`] for the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankerSettings {
    /// Blend weights.
    pub weights: Weights,
    /// Re-ranking policy.
    pub policy: Policy,
    /// Hard rules (constrained policy; stock filtering applies to every policy).
    pub rules: RuleSet,
    /// Intent detection.
    pub intent: IntentConfig,
    /// Similarity used by every diversifying policy.
    pub similarity: SimilarityConfig,
    /// How many top-scored candidates the re-ranker considers.
    pub shortlist: usize,
}

/// A validated, reusable ranker (cheap to clone; hold one per shop and surface).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranker {
    settings: RankerSettings,
}

/// Builds a [`Ranker`]. Defaults: [`Weights::default`], [`Policy::Constrained`],
/// [`RuleSet::default`], [`IntentConfig::default`], [`SimilarityConfig::default`], shortlist 500.
#[derive(Debug, Clone)]
pub struct RankerBuilder {
    settings: RankerSettings,
}

impl Default for RankerBuilder {
    fn default() -> Self {
        Self {
            settings: RankerSettings {
                weights: Weights::default(),
                policy: Policy::Constrained,
                rules: RuleSet::default(),
                intent: IntentConfig::default(),
                similarity: SimilarityConfig::default(),
                shortlist: 500,
            },
        }
    }
}

impl RankerBuilder {
    /// Sets the blend weights (validated by [`RankerBuilder::build`]).
    #[must_use]
    pub fn weights(mut self, weights: Weights) -> Self {
        self.settings.weights = weights;
        self
    }

    /// Sets the policy.
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.settings.policy = policy;
        self
    }

    /// Sets the hard rules.
    #[must_use]
    pub fn rules(mut self, rules: RuleSet) -> Self {
        self.settings.rules = rules;
        self
    }

    /// Sets intent detection.
    #[must_use]
    pub fn intent(mut self, intent: IntentConfig) -> Self {
        self.settings.intent = intent;
        self
    }

    /// Sets the similarity kernels.
    #[must_use]
    pub fn similarity(mut self, similarity: SimilarityConfig) -> Self {
        self.settings.similarity = similarity;
        self
    }

    /// Sets the shortlist size (at least `k` is always considered).
    #[must_use]
    pub fn shortlist(mut self, shortlist: usize) -> Self {
        self.settings.shortlist = shortlist;
        self
    }

    /// Validates everything and returns the ranker (weights normalised to sum to 1).
    ///
    /// # Errors
    /// [`crate::RankerError::InvalidWeights`] or [`crate::RankerError::InvalidParameter`].
    pub fn build(mut self) -> Result<Ranker> {
        self.settings.weights = self.settings.weights.validated()?;
        self.settings.policy.validate()?;
        self.settings.rules.validate()?;
        self.settings.similarity.validate()?;
        Ok(Ranker {
            settings: self.settings,
        })
    }
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
        let s = &self.settings;
        let owned;
        let shortlist = if clean(catalog, shortlist) {
            shortlist
        } else {
            owned = sanitised(catalog, shortlist);
            owned.as_slice()
        };
        let k = k.min(shortlist.len());
        let ids: Vec<_> = shortlist.iter().map(|c| c.item).collect();
        let quality: Vec<f32> = shortlist.iter().map(|c| c.score).collect();
        let mut relaxed = Vec::new();
        let order = match s.policy {
            Policy::ScoreOnly => (0..k).collect(),
            Policy::Mmr { lambda } => mmr(
                &SimSpace::new(catalog, &ids, &s.similarity),
                &quality,
                k,
                lambda,
            ),
            Policy::Dpp { alpha } => dpp(
                &SimSpace::pairwise(catalog, &ids, &s.similarity),
                &quality,
                k,
                alpha,
            ),
            Policy::Constrained => {
                let space = SimSpace::new(catalog, &ids, &s.similarity);
                let rows = row_facts(catalog, ctx, &intent, shortlist);
                let gate =
                    intent.category.is_some() && intent.strength >= s.rules.intent_min_strength;
                let problem = Problem {
                    rows: &rows,
                    space: &space,
                    rules: &s.rules,
                    intent_gate: gate,
                    k,
                };
                let (order, r) = problem.solve();
                relaxed = r;
                order
            }
        };
        let items = order
            .into_iter()
            .filter_map(|i| {
                let c = shortlist.get(i)?;
                Some(RankedItem {
                    item: c.item,
                    external_id: catalog.item(c.item)?.external_id,
                    score: c.score,
                    components: c.components,
                    reason: Reason::from(c.primary),
                    sources: c.sources,
                })
            })
            .collect();
        RankedList {
            items,
            relaxed,
            intent,
        }
    }
}

/// Whether every shortlist item is known and unique (the normal case: a sort, no hashing).
fn clean(catalog: &Catalog, shortlist: &[Scored]) -> bool {
    let mut ids: Vec<u32> = shortlist.iter().map(|c| c.item.0).collect();
    ids.sort_unstable();
    ids.windows(2).all(|w| w[0] != w[1]) && shortlist.iter().all(|c| catalog.contains(c.item))
}

/// The documented fallback for a hand-made shortlist: unknown items dropped, duplicates keep
/// their first (best) occurrence.
fn sanitised(catalog: &Catalog, shortlist: &[Scored]) -> Vec<Scored> {
    let mut seen = std::collections::HashSet::new();
    shortlist
        .iter()
        .filter(|c| catalog.contains(c.item) && seen.insert(c.item))
        .copied()
        .collect()
}

/// The category slots 2-4 must stay adjacent to: the first seed's, else the intent's, else that
/// of the most relevant candidate.
pub(crate) fn anchor_category(
    catalog: &Catalog,
    ctx: &Context,
    intent: &Intent,
    best: Option<&Scored>,
) -> Option<CategoryId> {
    ctx.seeds
        .iter()
        .find_map(|s| catalog.item(*s).map(|i| i.category))
        .or(intent.category)
        .or_else(|| best.and_then(|b| catalog.item(b.item)).map(|i| i.category))
}

/// The row constrained selection puts in slot 1: highest relevance, then highest score, then
/// earliest.
fn most_relevant(shortlist: &[Scored]) -> Option<&Scored> {
    let mut best: Option<&Scored> = None;
    for c in shortlist {
        let (r, s) = (c.components.relevance, c.score);
        if best.is_none_or(|b| {
            r > b.components.relevance || (r == b.components.relevance && s > b.score)
        }) {
            best = Some(c);
        }
    }
    best
}

fn row_facts(
    catalog: &Catalog,
    ctx: &Context,
    intent: &Intent,
    shortlist: &[Scored],
) -> Vec<RowFacts> {
    let anchor = anchor_category(catalog, ctx, intent, most_relevant(shortlist));
    shortlist
        .iter()
        .filter_map(|c| {
            let item = catalog.item(c.item)?;
            Some(RowFacts {
                relevance: c.components.relevance,
                score: c.score,
                intent: c.components.intent,
                category: item.category,
                brand: item.brand,
                vendor: item.vendor,
                family: item.family,
                adjacent: anchor.is_some_and(|a| catalog.categories_adjacent(a, item.category)),
            })
        })
        .collect()
}
