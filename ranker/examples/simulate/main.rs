//! Feedback-loop simulator: what a policy shows shapes the next round's training data.
//!
//! ```text
//! cargo run --release -p ranker --example simulate -- [--rounds 20] [--svg ranker/docs/feedback_loop.svg]
//! ```
//!
//! The demo catalog (`demo` crate, 1,500 products) and 400 simulated shoppers with latent
//! category preferences (see `world.rs`). Each round every shopper sees one 8-item home list
//! built from a 300-item candidate pool (the model's top relevance), clicks with probability
//! `0.3 · affinity(category) · quality`, buys 20 % of clicks; the clicks retrain the model
//! before the next round. Compared policies: relevance only (score order), diversified (DPP
//! α = 1) and diversified + exploration (`Ranker::serve`, two ε = 0.1 slots capped at 15 %).

mod svg;
mod world;

use std::error::Error;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ranker::metrics::exposure_gini;
use ranker::policy::{ExplorationSpec, Mix, ModuleSpec, PolicySpec, Scope, SlotSpec};
use ranker::{
    CandidatePool, Context, ItemId, Policy, Ranker, Source, Surface, SurfacePolicy, Weights,
};
use world::{Model, Shop, click_probability, shop, shoppers};

const K: usize = 8;
const POOL: usize = 300;

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

fn relevance_only() -> Weights {
    Weights {
        relevance: 1.0,
        intent: 0.0,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    }
}

/// Runs `rounds` rounds of one policy (0 = relevance, 1 = diversified, 2 = + exploration).
fn run(shop: &Shop, which: usize, rounds: usize) -> Result<Vec<Round>, Box<dyn Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut people = shoppers(shop, 400, &mut rng);
    let n = shop.catalog.len();
    let mut model = Model::new(n, people.len(), shop.catalog.categories().len());
    let policy = match which {
        0 => Policy::ScoreOnly,
        _ => Policy::Dpp { alpha: 1.0 },
    };
    let ranker = Ranker::builder()
        .weights(relevance_only())
        .policy(policy)
        .shortlist(POOL)
        .build()?;
    let explore = explore_policy()?;
    let mut impressions = vec![0u64; n];
    let mut out = Vec::new();
    for round in 0..rounds {
        let (mut shown, mut clicks, mut discovered, mut revenue) = (0u64, 0u64, 0usize, 0.0);
        let mut learnt = Vec::new();
        for (u, person) in people.iter_mut().enumerate() {
            let mut rel = model.relevance(shop, u);
            rel.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            rel.truncate(POOL);
            let mut pool = CandidatePool::new();
            pool.add_source(&shop.catalog, Source::CoOccurrence, 1.0, &rel)?;
            let ctx = Context::new(Surface::Home, 1_796_083_200 + round as i64);
            let list: Vec<ItemId> = if which == 2 {
                let served = ranker.serve(&shop.catalog, &pool, &ctx, &explore, &mut rng)?;
                served.items().map(|i| i.item).collect()
            } else {
                ranker.rank(&shop.catalog, &pool, &ctx, K)?.ids()
            };
            let mut new_category = false;
            for item in list {
                impressions[item.index()] += 1;
                shown += 1;
                let clicked = rng.random::<f64>() < click_probability(shop, person, item);
                learnt.push((u, item, clicked));
                if clicked {
                    clicks += 1;
                    let c = shop.categories[item.index()];
                    new_category |= person.known.insert(c);
                    if rng.random::<f64>() < 0.2 {
                        revenue += shop.price[item.index()];
                    }
                }
            }
            discovered += usize::from(new_category);
        }
        for (u, item, clicked) in learnt {
            model.shown[item.index()] += 1.0;
            if clicked {
                model.clicks[item.index()] += 1.0;
                model.user_cat[u][shop.categories[item.index()].index()] += 1.0;
            }
        }
        out.push(Round {
            exposure: impressions.iter().filter(|x| **x > 0).count() as f64 / n as f64,
            gini: exposure_gini(&impressions),
            ctr: clicks as f64 / shown.max(1) as f64,
            discovery: discovered as f64 / people.len() as f64,
            revenue,
        });
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (mut rounds, mut svg_path) = (20usize, None);
    while let Some(a) = args.next() {
        let v = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--rounds" => rounds = v.parse()?,
            "--svg" => svg_path = Some(v),
            _ => return Err(format!("unknown flag {a}").into()),
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let shop = shop(1_500, &mut rng)?;
    let names = [
        "relevance only",
        "diversified (DPP α=1)",
        "diversified + exploration",
    ];
    let runs: Vec<Vec<Round>> = (0..3)
        .map(|w| run(&shop, w, rounds))
        .collect::<Result<_, _>>()?;
    println!(
        "| policy | catalog exposure | exposure Gini | CTR | discovery rate | revenue proxy |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, r) in names.iter().zip(&runs) {
        let last = r.last().copied().unwrap_or_default();
        let n = r.len().max(1) as f64;
        println!(
            "| {name} | {:.3} | {:.3} | {:.4} | {:.3} | {:.0} |",
            last.exposure,
            last.gini,
            r.iter().map(|x| x.ctr).sum::<f64>() / n,
            r.iter().map(|x| x.discovery).sum::<f64>() / n,
            r.iter().map(|x| x.revenue).sum::<f64>(),
        );
    }
    if let Some(path) = svg_path {
        std::fs::write(path, svg::plot(&names, &runs))?;
    }
    Ok(())
}
