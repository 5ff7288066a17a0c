//! Exposure-aware re-ranking: the ledger changes nothing when empty, keeps every list
//! invariant, and spreads impressions when it fills.

use std::collections::HashSet;

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::{
    Context, ExposureConfig, ExposureLedger, ItemId, Policy, PolicySet, Ranker, Signals, Surface,
};

use crate::helpers::{Row, pool_desc, random_shop, shop};

fn ranker(policy: Policy) -> Ranker {
    Ranker::builder()
        .policy(policy)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

const POLICIES: [Policy; 4] = [
    Policy::ScoreOnly,
    Policy::Mmr { lambda: 0.7 },
    Policy::Dpp { alpha: 1.0 },
    Policy::Constrained,
];

#[test]
fn without_a_ledger_rank_with_is_rank() {
    let (s, pool) = random_shop(3, 80);
    let ctx = Context::new(Surface::Home, 1_000);
    for policy in POLICIES {
        let r = ranker(policy);
        let plain = r.rank(&s.catalog, &pool, &ctx, 8).unwrap();
        let with = r
            .rank_with(&s.catalog, &pool, &ctx, 8, &Signals::default())
            .unwrap();
        assert_eq!(plain, with);
        let empty = ExposureLedger::new(80);
        let signals = Signals::default().with_exposure(&empty);
        assert_eq!(
            plain,
            r.rank_with(&s.catalog, &pool, &ctx, 8, &signals).unwrap()
        );
    }
}

#[test]
fn a_shared_ledger_spreads_impressions_over_repeated_requests() {
    let rows: Vec<Row> = (0..60).map(|i| (i % 5, i % 7, i % 3, None, true)).collect();
    let s = shop(&rows);
    let pool = pool_desc(&s.catalog);
    let ctx = Context::new(Surface::Home, 1_000);
    let policy = PolicySet::default().get(Surface::Home).clone();
    let r = ranker(Policy::Constrained);
    let distinct = |use_ledger: bool| {
        let mut ledger = ExposureLedger::new(s.catalog.len());
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = HashSet::new();
        for _ in 0..20 {
            let signals = if use_ledger {
                Signals::default().with_exposure(&ledger)
            } else {
                Signals::default()
            };
            let list = r
                .serve_with(&s.catalog, &pool, &ctx, &policy, &signals, &mut rng)
                .unwrap();
            let ids: Vec<ItemId> = list.items().map(|i| i.ranked.item).collect();
            ledger.record_list(&ids);
            seen.extend(ids);
        }
        seen.len()
    };
    let (without, with) = (distinct(false), distinct(true));
    // pool_desc's relevance falls steeply (1 → 0.14), and the penalty saturates at 30 % of a
    // score, so only near-ties change places: more items, not every item.
    assert!(
        with > without + 2,
        "{without} distinct items without, {with} with"
    );
}

#[test]
fn an_invalid_exposure_config_is_a_typed_error() {
    let bad = ExposureConfig {
        penalty: 1.5,
        saturation: 1.0,
    };
    assert!(Ranker::builder().exposure(bad).build().is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn exposure_never_breaks_list_invariants_or_raises_a_score(
        seed in 0u64..500,
        n in 1usize..60,
        k in 0usize..12,
        counts in proptest::collection::vec(0.0f32..50.0, 0..70),
        which in 0usize..4,
    ) {
        let (s, pool) = random_shop(seed, n);
        let ctx = Context::new(Surface::Home, 1_000);
        let r = ranker(POLICIES[which]);
        let mut ledger = ExposureLedger::new(n);
        for (i, c) in counts.iter().enumerate() {
            ledger.record(ItemId(i as u32), *c);
        }
        let plain = r.rank(&s.catalog, &pool, &ctx, k).unwrap();
        let signals = Signals::default().with_exposure(&ledger);
        let list = r.rank_with(&s.catalog, &pool, &ctx, k, &signals).unwrap();
        prop_assert_eq!(list.items.len(), plain.items.len());
        let ids: HashSet<ItemId> = list.items.iter().map(|i| i.item).collect();
        prop_assert_eq!(ids.len(), list.items.len());
        for item in &list.items {
            prop_assert!(s.catalog.items()[item.item.index()].in_stock);
            prop_assert!((0.0..=1.0).contains(&item.score));
            let blended = item.components.blend(&r.settings().weights);
            prop_assert!(item.score <= blended + 1e-6);
        }
    }
}
