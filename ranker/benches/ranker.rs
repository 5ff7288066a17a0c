//! Criterion benchmarks for the hot paths; numbers go to BENCHMARKS.md ("Ranker core").
//!
//! Run with `cargo bench -p ranker --bench ranker`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ranker::bandit::{ARMS, ExploreBandit, FEATURES, LinUcb, LinearThompson};
use ranker::policy::{ArmSelection, default_specs};
use ranker::{
    CandidatePool, Catalog, Context, ExposureLedger, FeatureTable, Intent, ItemId, ItemSpec,
    Policy, PolicySet, Ranker, RuleSet, Scored, Signals, Source, Surface, Weights,
};

const DIM: usize = 64;

/// A synthetic shop: 40 leaf categories under 8 parents, 60 brands, 12 vendors, some variant
/// families, random 64-d embeddings and features.
fn catalog(n: usize, rng: &mut ChaCha8Rng) -> Catalog {
    let mut b = Catalog::builder(DIM);
    let leaves: Vec<_> = (0..40)
        .filter_map(|c| b.category(&[&format!("p{}", c % 8), &format!("c{c}")]))
        .collect();
    for i in 0..n {
        let brand = b.brand(&format!("b{}", rng.random_range(0..60)));
        let vendor = b.vendor(&format!("v{}", rng.random_range(0..12)));
        let embedding: Vec<f32> = (0..DIM).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut spec = ItemSpec::new(i as i64, leaves[rng.random_range(0..leaves.len())])
            .brand(brand)
            .vendor(vendor)
            .price(rng.random_range(5.0..300.0))
            .margin(rng.random_range(0.05..0.6))
            .stock(rng.random_bool(0.95), rng.random_range(0.0..1.0))
            .created_at(rng.random_range(0..10_000_000))
            .embedding(embedding);
        if rng.random_bool(0.2) {
            spec = spec.family(b.family(&format!("f{}", i / 3)));
        }
        if b.add_item(spec).is_err() {
            break;
        }
    }
    b.build()
}

fn pool(catalog: &Catalog, n: usize, rng: &mut ChaCha8Rng) -> CandidatePool {
    let scored: Vec<(ItemId, f32)> = (0..n)
        .map(|i| (ItemId(i as u32), rng.random_range(0.0..1.0)))
        .collect();
    let mut pool = CandidatePool::new();
    let _ = pool.add_source(catalog, Source::CoOccurrence, 1.0, &scored);
    pool
}

fn score_top_500(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let catalog = catalog(100_000, &mut rng);
    let pool = pool(&catalog, 100_000, &mut rng);
    let mut table =
        FeatureTable::build(&catalog, pool.candidates(), &Intent::default(), 10_000_000);
    let query: Vec<f32> = (0..DIM).map(|_| rng.random_range(-1.0..1.0)).collect();
    let weights = Weights::default();
    c.bench_function("score_embed_top500_of_100k", |b| {
        b.iter(|| {
            let _ = table.relevance_from_embedding(&catalog, black_box(&query));
            black_box(table.top_k(&weights, 500))
        });
    });
    c.bench_function("blend_top500_of_100k_no_embedding", |b| {
        b.iter(|| black_box(table.top_k(&weights, 500)))
    });
}

fn rerank_20_of_500(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let catalog = catalog(5_000, &mut rng);
    let pool = pool(&catalog, 5_000, &mut rng);
    let ctx = Context::new(Surface::Product, 10_000_000).with_seeds(vec![ItemId(0)]);
    let base = Ranker::builder()
        .shortlist(500)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (intent, shortlist): (Intent, Vec<Scored>) = base.score(&catalog, &pool, &ctx, 20);
    assert_eq!(shortlist.len(), 500);
    let policies = [
        ("mmr_20_of_500", Policy::Mmr { lambda: 0.7 }),
        ("dpp_20_of_500", Policy::Dpp { alpha: 3.0 }),
        ("constrained_20_of_500", Policy::Constrained),
    ];
    for (name, policy) in policies {
        let r = Ranker::builder()
            .policy(policy)
            .rules(RuleSet::default())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        c.bench_function(name, |b| {
            b.iter(|| black_box(r.rerank(&catalog, &ctx, intent, black_box(&shortlist), 20)))
        });
    }
    let full = Ranker::builder().build().unwrap_or_else(|e| panic!("{e}"));
    let small = pool_of(&catalog, 500);
    c.bench_function("rank_end_to_end_20_of_500", |b| {
        b.iter(|| black_box(full.rank(&catalog, black_box(&small), &ctx, 20)));
    });
}

/// `Ranker::serve` under the default policies: candidates in, modules with exploration out.
fn serve_500(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let catalog = catalog(5_000, &mut rng);
    let pool = pool_of(&catalog, 500);
    let ranker = Ranker::builder().build().unwrap_or_else(|e| panic!("{e}"));
    let set = PolicySet::default();
    let cases = [
        ("serve_home_8_slots_of_500", Surface::Home, vec![]),
        (
            "serve_pdp_3_modules_20_slots_of_500",
            Surface::Product,
            vec![ItemId(0)],
        ),
    ];
    for (name, surface, seeds) in cases {
        let ctx = Context::new(surface, 10_000_000).with_seeds(seeds);
        let policy = set.get(surface);
        let mut draw = ChaCha8Rng::seed_from_u64(5);
        c.bench_function(name, |b| {
            b.iter(|| black_box(ranker.serve(&catalog, black_box(&pool), &ctx, policy, &mut draw)))
        });
    }
}

/// `Ranker::serve_with` on the home policy with every signal on: an exposure ledger over the
/// catalog, and an exploration slot that always fires (ε = 1, cap 15 %) and asks a linear
/// Thompson bandit (warmed up) for its arm among three candidate sources.
fn serve_signals_500(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let catalog = catalog(5_000, &mut rng);
    let mut pool = pool_of(&catalog, 500);
    for (source, step) in [(Source::Popularity, 3), (Source::NewArrival, 7)] {
        let extra: Vec<(ItemId, f32)> = (0..500)
            .step_by(step)
            .map(|i| (ItemId(i as u32), rng.random_range(0.0..1.0)))
            .collect();
        let _ = pool.add_source(&catalog, source, 0.5, &extra);
    }
    let mut ledger = ExposureLedger::new(catalog.len());
    for i in 0..catalog.len() {
        ledger.record(
            ItemId(i as u32),
            rng.random_range(0.0f32..1.0).powi(4) * 50.0,
        );
    }
    let mut bandit = ExploreBandit::thompson(0.5, 1.0).unwrap_or_else(|e| panic!("{e}"));
    for k in 0..500 {
        let x: Vec<f64> = (0..FEATURES).map(|_| rng.random_range(0.0..1.0)).collect();
        let _ = bandit.update(&x, ARMS[k % 3], f64::from(u8::from(x[k % 16] > 0.6)));
    }
    let (mut specs, _) = default_specs();
    let mut home = specs.remove(0);
    home.exploration.slots[0].epsilon = 1.0;
    home.exploration.max_share = 0.15;
    home.exploration.arms = ArmSelection::Bandit;
    let policy = home.validate().unwrap_or_else(|e| panic!("{e}"));
    let ranker = Ranker::builder().build().unwrap_or_else(|e| panic!("{e}"));
    let ctx = Context::new(Surface::Home, 10_000_000);
    let signals = Signals::default()
        .with_exposure(&ledger)
        .with_bandit(&bandit);
    let mut draw = ChaCha8Rng::seed_from_u64(5);
    c.bench_function("serve_home_8_of_500_exposure_and_ts_bandit", |b| {
        b.iter(|| {
            let list = ranker.serve_with(
                &catalog,
                black_box(&pool),
                &ctx,
                &policy,
                &signals,
                &mut draw,
            );
            black_box(list)
        })
    });
}

/// One bandit round for 20 arms × 16 features: choose (with propensity) and update, after a
/// warm-up of 2,000 rounds so the posteriors are not all alike.
fn bandit_20x16(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let contexts: Vec<Vec<f64>> = (0..256)
        .map(|_| (0..16).map(|_| rng.random_range(0.0..1.0)).collect())
        .collect();
    let reward = |arm: usize, x: &[f64]| if x[arm % 16] > 0.7 { 1.0 } else { 0.0 };
    let mut ucb = LinUcb::new(20, 16, 1.0, 1.0).unwrap_or_else(|e| panic!("{e}"));
    let mut ts = LinearThompson::new(20, 16, 0.3, 1.0).unwrap_or_else(|e| panic!("{e}"));
    for x in contexts.iter().cycle().take(2_000) {
        let a = ucb.choose(x).map_or(0, |c| c.arm);
        let _ = ucb.update(a, x, reward(a, x));
        let a = ts.choose(x, &mut rng).map_or(0, |c| c.arm);
        let _ = ts.update(a, x, reward(a, x));
    }
    let mut i = 0;
    c.bench_function("linucb_choose_update_20x16", |b| {
        b.iter(|| {
            i = (i + 1) % contexts.len();
            let x = &contexts[i];
            let a = ucb.choose(black_box(x)).map_or(0, |c| c.arm);
            black_box(ucb.update(a, x, reward(a, x)))
        })
    });
    c.bench_function("thompson_choose_propensity_update_20x16", |b| {
        b.iter(|| {
            i = (i + 1) % contexts.len();
            let x = &contexts[i];
            let ch = ts.choose(black_box(x), &mut rng);
            let a = ch.as_ref().map_or(0, |c| c.arm);
            black_box((ch, ts.update(a, x, reward(a, x))))
        })
    });
}

fn pool_of(catalog: &Catalog, n: usize) -> CandidatePool {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    pool(catalog, n, &mut rng)
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(40).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = score_top_500, rerank_20_of_500, serve_500, serve_signals_500, bandit_20x16
}
criterion_main!(benches);
