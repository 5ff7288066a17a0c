//! The exploration-arm bandit in `Ranker::serve_with`: exact propensities, caps and kill
//! switch, determinism, learning, and its persisted state.

use std::collections::HashMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::bandit::{ExploreBandit, FEATURES};
use ranker::policy::{ArmSelection, default_specs};
use ranker::{
    CandidatePool, Catalog, Context, ItemId, Ranker, ServedList, Signals, Source, Surface,
    SurfacePolicy,
};

use crate::helpers::{Row, shop};

/// Every item from co-occurrence; odd items also from popularity, every third a new arrival.
fn pool(catalog: &Catalog) -> CandidatePool {
    let n = catalog.len();
    let by = |keep: fn(usize) -> bool| -> Vec<(ItemId, f32)> {
        (0..n)
            .filter(|i| keep(*i))
            .map(|i| (ItemId(i as u32), 1.0 / (1.0 + i as f32 * 0.1)))
            .collect()
    };
    let mut p = CandidatePool::new();
    ok(p.add_source(catalog, Source::CoOccurrence, 1.0, &by(|_| true)));
    ok(p.add_source(catalog, Source::Popularity, 0.5, &by(|i| i % 2 == 1)));
    ok(p.add_source(catalog, Source::NewArrival, 0.5, &by(|i| i % 3 == 0)));
    p
}

/// The default PDP policy with bandit-chosen arms, optionally with the kill switch thrown.
fn policy(enabled: bool) -> SurfacePolicy {
    let (mut specs, _) = default_specs();
    let mut spec = specs.remove(1);
    spec.exploration.arms = ArmSelection::Bandit;
    spec.exploration.enabled = enabled;
    ok(spec.validate())
}

fn serve(bandit: &ExploreBandit, policy: &SurfacePolicy, seed: u64) -> ServedList {
    let rows: Vec<Row> = (0..60).map(|i| (i % 5, i % 7, i % 3, None, true)).collect();
    let s = shop(&rows);
    let ctx = Context::new(Surface::Product, 1_000).with_seeds(vec![ItemId(0)]);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let signals = Signals::default().with_bandit(bandit);
    let r = ok(Ranker::builder().build());
    ok(r.serve_with(
        &s.catalog,
        &pool(&s.catalog),
        &ctx,
        policy,
        &signals,
        &mut rng,
    ))
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn bandit_propensities_sum_to_one_and_match_observed_frequencies() {
    let bandit = ExploreBandit::thompson(1.0, 1.0).unwrap();
    let policy = policy(true);
    let runs = 8_000;
    let mut seen: HashMap<ItemId, (usize, f32)> = HashMap::new();
    for seed in 0..runs {
        let list = serve(&bandit, &policy, seed);
        let slot = list.modules[1].items[3];
        let e = seen.entry(slot.ranked.item).or_insert((0, slot.propensity));
        e.0 += 1;
        assert!(
            (e.1 - slot.propensity).abs() < 1e-6,
            "one propensity per item"
        );
        assert_eq!(slot.explored, slot.arm.is_some());
        assert!(list.bandit_context.is_some());
    }
    let total: f32 = seen.values().map(|(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-4, "propensities sum to {total}");
    for (item, (count, p)) in seen {
        let freq = count as f32 / runs as f32;
        let sd = (p * (1.0 - p) / runs as f32).sqrt();
        assert!(
            (freq - p).abs() < 5.0 * sd + 1e-4,
            "{item:?}: {freq} vs {p}"
        );
    }
}

#[test]
fn the_kill_switch_also_silences_the_bandit() {
    let bandit = ExploreBandit::thompson(1.0, 1.0).unwrap();
    let off = policy(false);
    for seed in 0..100 {
        let list = serve(&bandit, &off, seed);
        assert!(list.bandit_context.is_none());
        assert!(
            list.items()
                .all(|i| i.propensity == 1.0 && !i.explored && i.arm.is_none())
        );
    }
}

#[test]
fn the_capped_share_holds_with_a_bandit() {
    let bandit = ExploreBandit::linucb(1.0, 1.0).unwrap();
    let policy = policy(true);
    let explored: usize = (0..2_000)
        .map(|seed| {
            serve(&bandit, &policy, seed)
                .items()
                .filter(|i| i.explored)
                .count()
        })
        .sum();
    // One ε = 0.1 slot over 20 shown items: 0.5 % of items, well under the 10 % cap.
    let share = explored as f64 / (2_000.0 * 20.0);
    assert!((share - 0.005).abs() < 0.002, "explored share {share}");
}

#[test]
fn the_same_seed_and_state_give_the_same_list() {
    let bandit = ExploreBandit::thompson(0.5, 1.0).unwrap();
    for seed in 0..50 {
        assert_eq!(
            serve(&bandit, &policy(true), seed),
            serve(&bandit, &policy(true), seed)
        );
    }
}

#[test]
fn linucb_learns_to_explore_from_the_rewarded_source() {
    let mut bandit = ExploreBandit::linucb(0.1, 1.0).unwrap();
    let policy = policy(true);
    let x = serve(&bandit, &policy, 0).bandit_context.unwrap();
    for _ in 0..20 {
        bandit.update(&x, Source::NewArrival, 1.0).unwrap();
        bandit.update(&x, Source::CoOccurrence, 0.0).unwrap();
        bandit.update(&x, Source::Popularity, 0.0).unwrap();
    }
    let arms: Vec<Source> = (0..400)
        .filter_map(|seed| serve(&bandit, &policy, seed).modules[1].items[3].arm)
        .collect();
    assert!(!arms.is_empty());
    assert!(arms.iter().all(|a| *a == Source::NewArrival), "{arms:?}");
}

#[test]
fn bandit_state_round_trips_through_json_and_bad_state_is_rejected() {
    let mut bandit = ExploreBandit::thompson(0.5, 1.0).unwrap();
    let x = [0.5; FEATURES];
    bandit.update(&x, Source::Content, 1.0).unwrap();
    let json = serde_json::to_string(&bandit).unwrap();
    // serde_json parses f64 to within an ulp (no `float_roundtrip`), so compare behaviour.
    let back: ExploreBandit = serde_json::from_str(&json).unwrap();
    for seed in 0..50 {
        let (a, b) = (
            serve(&back, &policy(true), seed),
            serve(&bandit, &policy(true), seed),
        );
        for (x, y) in a.items().zip(b.items()) {
            assert_eq!((x.ranked.item, x.arm), (y.ranked.item, y.arm));
            assert!((x.propensity - y.propensity).abs() < 1e-6);
        }
    }
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["model"]["dim"] = 3.into();
    assert!(serde_json::from_value::<ExploreBandit>(v).is_err());
    assert!(bandit.update(&x, Source::Explore, 1.0).is_err());
    assert!(bandit.update(&x[..3], Source::Content, 1.0).is_err());
    assert!(bandit.update(&x, Source::Content, f64::NAN).is_err());
}
