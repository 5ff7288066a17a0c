//! One hand-made fixture per hard rule.

use ranker::Reason;
use ranker::{
    CandidatePool, Context, EventKind, ItemId, Policy, RankedList, Ranker, Rule, RuleSet,
    SessionEvent, Source, Surface, Weights,
};

use crate::helpers::{pool_desc, shop};

fn constrained(rules: RuleSet) -> Ranker {
    let weights = Weights {
        relevance: 1.0,
        intent: 0.0,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    };
    Ranker::builder()
        .weights(weights)
        .policy(Policy::Constrained)
        .rules(rules)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn rank(
    r: &Ranker,
    s: &crate::helpers::Shop,
    pool: &CandidatePool,
    ctx: &Context,
    k: usize,
) -> RankedList {
    r.rank(&s.catalog, pool, ctx, k)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn only(rule: impl FnOnce(&mut RuleSet)) -> RuleSet {
    let mut rules = RuleSet::none();
    rule(&mut rules);
    rules
}

#[test]
fn slot_one_is_the_most_relevant_item_even_under_every_rule() {
    let s = shop(&[
        (0, 0, 0, None, true),
        (0, 0, 0, None, true),
        (1, 1, 1, None, true),
    ]);
    let list = rank(
        &constrained(RuleSet::default()),
        &s,
        &pool_desc(&s.catalog),
        &Context::new(Surface::Home, 0),
        3,
    );
    assert_eq!(list.items[0].item, ItemId(0));
}

#[test]
fn out_of_stock_items_are_never_shown() {
    let s = shop(&[
        (0, 0, 0, None, false),
        (0, 1, 1, None, true),
        (0, 2, 2, None, true),
    ]);
    let list = rank(
        &constrained(RuleSet::none()),
        &s,
        &pool_desc(&s.catalog),
        &Context::new(Surface::Home, 0),
        3,
    );
    assert_eq!(list.ids(), vec![ItemId(1), ItemId(2)]);
}

#[test]
fn one_item_per_variant_family() {
    let s = shop(&[
        (0, 0, 0, Some(1), true),
        (0, 1, 1, Some(1), true),
        (0, 2, 2, None, true),
    ]);
    let list = rank(
        &constrained(only(|r| r.dedupe_families = true)),
        &s,
        &pool_desc(&s.catalog),
        &Context::new(Surface::Home, 0),
        2,
    );
    assert_eq!(list.ids(), vec![ItemId(0), ItemId(2)]);
    assert!(list.relaxed.is_empty());
}

#[test]
fn at_most_two_items_per_brand_in_the_top_eight() {
    let rows: Vec<_> = (0..12)
        .map(|i| {
            (
                0,
                usize::from(i >= 6) + usize::from(i >= 9),
                i % 3,
                None,
                true,
            )
        })
        .collect();
    let s = shop(&rows);
    let list = rank(
        &constrained(only(|r| r.brand_cap = Some((2, 8)))),
        &s,
        &pool_desc(&s.catalog),
        &Context::new(Surface::Home, 0),
        6,
    );
    let brand0 = list.items.iter().filter(|r| r.item.0 < 6).count();
    assert_eq!(brand0, 2, "{:?}", list.ids());
    assert!(list.relaxed.is_empty());
}

#[test]
fn no_vendor_exceeds_its_share() {
    let rows: Vec<_> = (0..10)
        .map(|i| (0, i, usize::from(i >= 7), None, true))
        .collect();
    let s = shop(&rows);
    let list = rank(
        &constrained(only(|r| r.max_vendor_share = Some(0.5))),
        &s,
        &pool_desc(&s.catalog),
        &Context::new(Surface::Home, 0),
        6,
    );
    let vendor0 = list.items.iter().filter(|r| r.item.0 < 7).count();
    assert_eq!(vendor0, 3);
}

#[test]
fn slots_two_to_four_cover_two_categories_adjacent_to_the_seed() {
    // Seed: a running shoe. Running shoes dominate relevance; trail shoes are a sibling; socks
    // become adjacent through the co-purchase graph; mugs never are.
    let mut s = shop(&[
        (0, 0, 0, None, true),
        (0, 1, 1, None, true),
        (0, 2, 2, None, true),
        (0, 3, 0, None, true),
        (4, 0, 1, None, true),
        (2, 1, 2, None, true),
        (1, 2, 0, None, true),
    ]);
    let mut graph = s.catalog.category_graph().clone();
    graph.connect(s.cats.run, s.cats.socks, 2.0);
    s.catalog.set_category_graph(graph);
    let ctx = Context::new(Surface::Product, 0).with_seeds(vec![ItemId(0)]);
    let r = constrained(only(|r| r.adjacent_coverage = true));
    let list = rank(&r, &s, &pool_desc(&s.catalog), &ctx, 4);
    let cats: Vec<_> = list.items[1..4]
        .iter()
        .map(|i| s.catalog.items()[i.item.index()].category)
        .collect();
    let adjacent: std::collections::BTreeSet<_> = cats
        .iter()
        .filter(|c| [s.cats.run, s.cats.trail, s.cats.socks].contains(c))
        .collect();
    assert!(adjacent.len() >= 2, "{cats:?}");
    assert!(!cats.contains(&s.cats.mugs) || adjacent.len() >= 2);
    assert!(r.violations(&s.catalog, &ctx, &list).is_empty());
}

#[test]
fn a_rule_the_pool_cannot_meet_is_relaxed_and_reported_and_the_list_is_still_full() {
    let s = shop(&[
        (0, 0, 0, None, true),
        (0, 0, 1, None, true),
        (0, 0, 2, None, true),
        (0, 0, 0, None, true),
    ]);
    let r = constrained(only(|r| r.brand_cap = Some((2, 8))));
    let ctx = Context::new(Surface::Home, 0);
    let list = rank(&r, &s, &pool_desc(&s.catalog), &ctx, 4);
    assert_eq!(list.items.len(), 4);
    assert!(
        list.relaxed
            .iter()
            .any(|x| x.rule == Rule::BrandCap && x.slot == 2)
    );
    assert_eq!(r.violations(&s.catalog, &ctx, &list), vec![Rule::BrandCap]);
}

#[test]
fn a_strong_intent_keeps_the_list_within_it() {
    // Mugs are the most relevant, but the session is all about running shoes.
    let mut rows = vec![(4, 0, 0, None, true); 4];
    rows.extend((0..6).map(|i| (0, i % 3, i % 3, None, true)));
    let s = shop(&rows);
    let events = (4..7)
        .map(|i| SessionEvent {
            item: ItemId(i),
            kind: EventKind::View,
            at: 100,
        })
        .collect();
    let ctx = Context::new(Surface::Home, 100).with_events(events);
    let weights = Weights {
        relevance: 0.8,
        intent: 0.2,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    };
    let r = Ranker::builder()
        .weights(weights)
        .rules(only(|r| r.intent_floor = Some(0.5)))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let list = rank(&r, &s, &pool_desc(&s.catalog), &ctx, 5);
    assert_eq!(
        list.items[0].item,
        ItemId(0),
        "slot 1 is still the most relevant"
    );
    assert!(
        list.items[1..].iter().all(|i| i.item.0 >= 4),
        "{:?}",
        list.ids()
    );
}

#[test]
fn every_item_carries_a_reason_from_its_main_source() {
    let s = shop(&[(0, 0, 0, None, true), (1, 1, 1, None, true)]);
    let mut pool = CandidatePool::new();
    pool.add_source(&s.catalog, Source::NewArrival, 1.0, &[(ItemId(0), 1.0)])
        .unwrap_or_else(|e| panic!("{e}"));
    pool.add_neighbours(
        &s.catalog,
        Source::Complement,
        1.0,
        ItemId(0),
        &[(ItemId(1), 1.0)],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let list = rank(
        &constrained(RuleSet::none()),
        &s,
        &pool,
        &Context::new(Surface::Home, 0),
        2,
    );
    let reasons: Vec<_> = list.items.iter().map(|i| i.reason).collect();
    let new_in = s.catalog.item(ItemId(0)).map(|i| i.category);
    assert_eq!(
        reasons,
        vec![
            Reason::NewIn(new_in.unwrap()),
            Reason::BoughtTogether(ItemId(0))
        ],
        "the complement names the product it was bought with"
    );
}
