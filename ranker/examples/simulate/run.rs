//! One simulated run: a policy, a seed, `rounds` rounds of lists, clicks and retraining.

use std::error::Error;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::metrics::exposure_gini;
use ranker::policy::{ExplorationSpec, Mix, ModuleSpec, PolicySpec, Scope, SlotSpec};
use ranker::{
    CandidatePool, Context, ExposureConfig, ExposureLedger, ItemId, Policy, Ranker, Signals,
    Source, Surface, SurfacePolicy, Weights,
};

use crate::world::{Model, Shop, Shopper, click_probability, shoppers, uniform};

/// List length.
pub const K: usize = 8;
/// Candidate pool per shopper: the model's top relevance.
const POOL: usize = 300;
/// Shoppers per run.
const SHOPPERS: usize = 400;
/// Share of clicks that become purchases.
const BUY: f64 = 0.2;

/// The compared policies.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Score order.
    Relevance,
    /// DPP α = 1 within each list.
    Dpp,
    /// DPP α = 1 plus the exposure penalty (ledger shared across shoppers).
    Diversified,
    /// `Ranker::serve` with two ε = 0.1 exploration slots (cap 15 %) plus the exposure penalty.
    Explore,
}

/// One round's numbers for one policy.
#[derive(Clone, Copy, Default)]
pub struct Round {
    /// Distinct items shown so far / catalog size.
    pub exposure: f64,
    /// Gini of cumulative impressions.
    pub gini: f64,
    pub ctr: f64,
    pub discovery: f64,
    pub revenue: f64,
}

/// Settings shared by every run.
#[derive(Clone, Copy)]
pub struct Setup {
    pub rounds: usize,
    pub exposure: ExposureConfig,
    /// Ledger decay between rounds.
    pub decay: f32,
}

fn relevance_only() -> Weights {
    Weights {
        relevance: 1.0,
        intent: 0.0,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    }
}

fn explore_policy() -> Result<SurfacePolicy, Box<dyn Error>> {
    let slot = |slot| SlotSpec {
        module: "home".into(),
        slot,
        epsilon: 0.1,
    };
    let spec = PolicySpec {
        version: 1,
        surface: Some(Surface::Home),
        modules: vec![ModuleSpec {
            name: "home".into(),
            slots: K,
            scope: Scope::Any,
            reranker: Policy::Dpp { alpha: 1.0 },
            mix: Mix::default(),
            weights: Some(relevance_only()),
            in_stock_only: true,
            new_arrival_slots: Vec::new(),
            brand_cap: true,
        }],
        exploration: ExplorationSpec {
            enabled: true,
            slots: vec![slot(3), slot(6)],
            max_share: 0.15,
            min_margin: 0.0,
            min_inventory: 0.0,
            ..ExplorationSpec::default()
        },
    };
    Ok(spec.validate()?)
}

/// The policy under test: ranker, serving policy and ledger, all from the same settings.
struct Recommender {
    kind: Kind,
    ranker: Ranker,
    explore: SurfacePolicy,
    ledger: ExposureLedger,
}

impl Recommender {
    fn new(kind: Kind, setup: &Setup, items: usize) -> Result<Self, Box<dyn Error>> {
        let policy = match kind {
            Kind::Relevance => Policy::ScoreOnly,
            _ => Policy::Dpp { alpha: 1.0 },
        };
        let ranker = Ranker::builder()
            .weights(relevance_only())
            .policy(policy)
            .shortlist(POOL)
            .exposure(setup.exposure)
            .build()?;
        Ok(Self {
            kind,
            ranker,
            explore: explore_policy()?,
            ledger: ExposureLedger::new(items),
        })
    }

    /// The list for one shopper; the policy's randomness comes only from `rng`.
    fn list(
        &mut self,
        shop: &Shop,
        pool: &CandidatePool,
        ctx: &Context,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<ItemId>, Box<dyn Error>> {
        let signals = match self.kind {
            Kind::Relevance | Kind::Dpp => Signals::default(),
            Kind::Diversified | Kind::Explore => Signals::default().with_exposure(&self.ledger),
        };
        let list = if self.kind == Kind::Explore {
            let served =
                self.ranker
                    .serve_with(&shop.catalog, pool, ctx, &self.explore, &signals, rng)?;
            served.items().map(|i| i.ranked.item).collect()
        } else {
            self.ranker
                .rank_with(&shop.catalog, pool, ctx, K, &signals)?
                .ids()
        };
        self.ledger.record_list(&list);
        Ok(list)
    }
}

/// Running totals of one round.
#[derive(Default)]
struct Tally {
    shown: u64,
    clicks: u64,
    discovered: usize,
    revenue: f64,
    /// (shopper, item, clicked) for retraining after the round.
    log: Vec<(usize, ItemId, bool)>,
}

impl Tally {
    /// Shows `list` to shopper `u`; clicks and purchases use draws keyed by (seed, round,
    /// shopper, item) only, so they do not depend on the policy's random draws.
    fn show(
        &mut self,
        shop: &Shop,
        key: (u64, usize, usize),
        person: &mut Shopper,
        list: &[ItemId],
    ) {
        let (seed, round, u) = key;
        let mut new_category = false;
        for &item in list {
            self.shown += 1;
            let p = click_probability(shop, person, item);
            let clicked = uniform(seed, round, u, item.index(), 0) < p;
            self.log.push((u, item, clicked));
            if clicked {
                self.clicks += 1;
                new_category |= person.known.insert(shop.categories[item.index()]);
                if uniform(seed, round, u, item.index(), 1) < BUY {
                    self.revenue += shop.price[item.index()];
                }
            }
        }
        self.discovered += usize::from(new_category);
    }
}

/// Runs `setup.rounds` rounds of policy `kind` with `seed` (shoppers, clicks and the policy's
/// own random stream all derive from it; the same seed gives every policy the same shoppers).
pub fn run(
    shop: &Shop,
    kind: Kind,
    setup: &Setup,
    seed: u64,
) -> Result<Vec<Round>, Box<dyn Error>> {
    let mut people = shoppers(shop, SHOPPERS, &mut ChaCha8Rng::seed_from_u64(seed));
    let mut policy_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9E37_79B9_7F4A_7C15);
    let n = shop.catalog.len();
    let mut model = Model::new(n, people.len(), shop.catalog.categories().len());
    let mut rec = Recommender::new(kind, setup, n)?;
    let mut impressions = vec![0u64; n];
    let mut out = Vec::with_capacity(setup.rounds);
    for round in 0..setup.rounds {
        let mut tally = Tally::default();
        for (u, person) in people.iter_mut().enumerate() {
            let mut pool = CandidatePool::new();
            pool.add_source(
                &shop.catalog,
                Source::CoOccurrence,
                1.0,
                &model.top(shop, u, POOL),
            )?;
            let ctx = Context::new(Surface::Home, 1_796_083_200 + round as i64);
            let list = rec.list(shop, &pool, &ctx, &mut policy_rng)?;
            list.iter().for_each(|i| impressions[i.index()] += 1);
            tally.show(shop, (seed, round, u), person, &list);
        }
        model.learn(shop, &tally.log);
        rec.ledger.decay(setup.decay)?;
        out.push(Round {
            exposure: impressions.iter().filter(|x| **x > 0).count() as f64 / n as f64,
            gini: exposure_gini(&impressions),
            ctr: tally.clicks as f64 / tally.shown.max(1) as f64,
            discovery: tally.discovered as f64 / people.len() as f64,
            revenue: tally.revenue,
        });
    }
    Ok(out)
}
