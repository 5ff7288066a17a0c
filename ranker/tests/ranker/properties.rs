//! Invariants over seeded random shops, pools, sessions and list lengths.

use std::collections::HashSet;

use proptest::prelude::*;
use ranker::{
    Context, EventKind, ItemId, Policy, RankedList, Ranker, RuleSet, SessionEvent, Surface,
};

use crate::helpers::{Shop, random_shop};

fn ranker(policy: Policy) -> Ranker {
    Ranker::builder()
        .policy(policy)
        .rules(RuleSet::default())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn context(n: usize, seed_item: Option<usize>, viewed: &[usize]) -> Context {
    let seeds = seed_item
        .filter(|s| *s < n)
        .map(|s| vec![ItemId(s as u32)])
        .unwrap_or_default();
    let events = viewed
        .iter()
        .enumerate()
        .map(|(t, i)| SessionEvent {
            item: ItemId(*i as u32),
            kind: EventKind::View,
            at: 1000 - t as i64 * 10,
        })
        .collect();
    Context::new(Surface::Product, 1000)
        .with_seeds(seeds)
        .with_events(events)
}

fn eligible(shop: &Shop, pool: &ranker::CandidatePool, ctx: &Context) -> usize {
    pool.candidates()
        .iter()
        .filter(|c| !ctx.seeds.contains(&c.item) && shop.catalog.items()[c.item.index()].in_stock)
        .count()
}

fn check_common(
    shop: &Shop,
    pool: &ranker::CandidatePool,
    ctx: &Context,
    k: usize,
    list: &RankedList,
) {
    let ids: HashSet<ItemId> = list.items.iter().map(|i| i.item).collect();
    assert_eq!(ids.len(), list.items.len(), "duplicates");
    assert_eq!(list.items.len(), k.min(eligible(shop, pool, ctx)), "length");
    for item in &list.items {
        assert!(
            shop.catalog.items()[item.item.index()].in_stock,
            "out of stock"
        );
        assert!(!ctx.seeds.contains(&item.item), "seed recommended back");
        assert!(
            item.score.is_finite() && (0.0..=1.0).contains(&item.score),
            "score {}",
            item.score
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn constrained_lists_keep_every_rule_or_report_it(
        seed in any::<u64>(), n in 1usize..60, k in 0usize..24,
        seed_item in proptest::option::of(0usize..60), viewed in proptest::collection::vec(0usize..60, 0..5),
    ) {
        let (shop, pool) = random_shop(seed, n);
        let viewed: Vec<usize> = viewed.into_iter().filter(|v| *v < n).collect();
        let ctx = context(n, seed_item, &viewed);
        let r = ranker(Policy::Constrained);
        let list = r.rank(&shop.catalog, &pool, &ctx, k).unwrap_or_else(|e| panic!("{e}"));
        check_common(&shop, &pool, &ctx, k, &list);
        let reported: HashSet<_> = list.relaxed.iter().map(|x| x.rule).collect();
        for broken in r.violations(&shop.catalog, &ctx, &list) {
            prop_assert!(reported.contains(&broken), "{broken:?} broken but not reported: {list:?}");
        }
        // Slot 1 is the most relevant eligible candidate.
        if let Some(first) = list.items.first() {
            let best = pool.candidates().iter()
                .filter(|c| !ctx.seeds.contains(&c.item) && shop.catalog.items()[c.item.index()].in_stock)
                .map(|c| c.relevance).fold(f32::MIN, f32::max);
            prop_assert_eq!(first.components.relevance, best);
        }
        let again = r.rank(&shop.catalog, &pool, &ctx, k).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(again, list, "not deterministic");
    }

    #[test]
    fn mmr_dpp_and_score_only_lists_are_full_unique_and_deterministic(
        seed in any::<u64>(), n in 1usize..80, k in 0usize..30, lambda in 0.0f32..=1.0, alpha in 0.0f32..8.0,
    ) {
        let (shop, pool) = random_shop(seed, n);
        let ctx = context(n, None, &[]);
        for policy in [Policy::ScoreOnly, Policy::Mmr { lambda }, Policy::Dpp { alpha }] {
            let r = ranker(policy);
            let list = r.rank(&shop.catalog, &pool, &ctx, k).unwrap_or_else(|e| panic!("{e}"));
            check_common(&shop, &pool, &ctx, k, &list);
            prop_assert!(list.relaxed.is_empty());
            let again = r.rank(&shop.catalog, &pool, &ctx, k).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(again, list);
        }
    }
}
