//! Merchant rules in served lists: exclusions, bounded boosts and buries, pins against the
//! hard rules (slot 1, brand cap, family dedupe, stock), surfaces and date windows.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::policy::PolicySpec;
use ranker::{
    Action, Blocked, Context, ItemId, MAX_SHIFT, MerchantRule, MerchantRules, PinOutcome, Ranker,
    RuleSet, ServedList, Signals, Step, Surface, SurfacePolicy,
};
use serde_json::json;

use crate::helpers::{Row, Shop, pool_desc, shop};

/// Twelve running shoes, relevance falling with the id. Products 1, 2 and 10 are of brand
/// 0; products 4 and 11 are variants of one family; product 12 is out of stock.
fn rows() -> Vec<Row> {
    (0..12)
        .map(|i| {
            let brand = if matches!(i, 0 | 1 | 9) { 0 } else { i + 1 };
            let family = matches!(i, 3 | 10).then_some(1);
            (0, brand, i, family, i != 11)
        })
        .collect()
}

/// One module of `slots` items (or two, the second named `more`), best score first.
fn policy(modules: &[(&str, usize)]) -> SurfacePolicy {
    let modules: Vec<_> = modules
        .iter()
        .map(|(name, slots)| {
            json!({"name": name, "slots": slots, "scope": "any", "reranker": {"kind": "score_only"}})
        })
        .collect();
    let spec = json!({"version": 1, "surface": "product", "modules": modules});
    PolicySpec::from_json(&spec.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// Brand cap of 2 within the first 4 slots, so a blocked pin has somewhere to move to.
fn ranker() -> Ranker {
    let rules = RuleSet {
        brand_cap: Some((2, 4)),
        max_vendor_share: None,
        ..RuleSet::default()
    };
    Ranker::builder()
        .rules(rules)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn serve_at(shop: &Shop, rules: &[MerchantRule], policy: &SurfacePolicy, now: i64) -> ServedList {
    let rules = MerchantRules::new(rules.to_vec());
    let ctx = Context::new(Surface::Product, now);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let signals = Signals::default().with_rules(&rules);
    ranker()
        .serve_with(
            &shop.catalog,
            &pool_desc(&shop.catalog),
            &ctx,
            policy,
            &signals,
            &mut rng,
        )
        .unwrap_or_else(|e| panic!("{e}"))
}

fn serve(rules: &[MerchantRule]) -> ServedList {
    serve_at(&shop(&rows()), rules, &policy(&[("main", 8)]), 1_000)
}

fn products(list: &ServedList) -> Vec<i64> {
    list.items().map(|i| i.ranked.external_id).collect()
}

fn pin(rule: i64, product: i64, slot: usize) -> MerchantRule {
    MerchantRule::new(rule, Action::Pin { slot }, [product])
}

#[test]
fn without_rules_the_list_is_in_score_order() {
    assert_eq!(products(&serve(&[])), [1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn a_pin_takes_its_slot_and_says_so() {
    let list = serve(&[pin(3, 9, 2)]);

    assert_eq!(products(&list), [1, 9, 2, 3, 4, 5, 6, 7]);
    let pinned = &list.modules[0].items[1];
    assert_eq!((pinned.step, pinned.rule), (Step::Pinned, Some(3)));
    assert_eq!(
        list.pins,
        [PinOutcome {
            rule: 3,
            product: 9,
            slot: 2,
            placed: Some(2),
            blocked: None
        }]
    );
}

#[test]
fn a_pin_to_slot_one_moves_to_slot_two_because_slot_one_is_the_most_relevant() {
    let list = serve(&[pin(1, 9, 1)]);

    assert_eq!(products(&list)[..2], [1, 9]);
    assert_eq!(list.pins[0].placed, Some(2));
    assert_eq!(list.pins[0].blocked, Some(Blocked::SlotOne));
}

#[test]
fn a_pin_that_breaks_the_brand_cap_moves_to_the_first_slot_that_keeps_it() {
    // Products 1 and 2 are brand 0 in slots 1-2; a third in the first 4 breaks the cap.
    let list = serve(&[pin(3, 10, 3)]);

    assert_eq!(list.pins[0].placed, Some(5));
    assert_eq!(
        list.pins[0].blocked,
        Some(Blocked::BrandCap { max: 2, window: 4 })
    );
    assert_eq!(products(&list)[4], 10);
    assert_eq!(list.modules[0].items[4].step, Step::Pinned);
}

#[test]
fn a_pin_that_would_show_two_variants_of_one_product_is_not_shown() {
    // Product 4 (slot 4) and product 11 are variants of one family.
    let list = serve(&[pin(2, 11, 2)]);

    assert!(!products(&list).contains(&11));
    assert_eq!(list.pins[0].placed, None);
    assert_eq!(list.pins[0].blocked, Some(Blocked::FamilyDedupe));
}

#[test]
fn a_pin_to_an_out_of_stock_deleted_or_excluded_product_is_ignored() {
    let unpinned = products(&serve(&[]));
    let out_of_stock = serve(&[pin(1, 12, 2)]);
    let deleted = serve(&[pin(1, 999, 2)]);
    let excluded = serve(&[pin(1, 9, 2), MerchantRule::new(2, Action::Exclude, [9])]);

    assert_eq!(out_of_stock.pins[0].blocked, Some(Blocked::OutOfStock));
    assert_eq!(deleted.pins[0].blocked, Some(Blocked::NotEligible));
    assert_eq!(excluded.pins[0].blocked, Some(Blocked::Excluded { by: 2 }));
    for list in [out_of_stock, deleted] {
        assert_eq!(products(&list), unpinned);
    }
}

#[test]
fn a_rule_matching_nothing_changes_nothing() {
    let empty = Vec::<i64>::new();
    let rules = [
        MerchantRule::new(1, Action::Exclude, empty.clone()),
        MerchantRule::new(2, Action::Boost { amount: 0.3 }, empty.clone()),
        MerchantRule::new(3, Action::Pin { slot: 2 }, empty),
    ];
    let list = serve(&rules);

    assert_eq!(products(&list), products(&serve(&[])));
    assert!(list.pins.is_empty());
    assert!(list.items().all(|i| i.rule.is_none()));
}

#[test]
fn an_exclusion_removes_its_products_from_the_list() {
    let list = serve(&[MerchantRule::new(1, Action::Exclude, [1, 3])]);

    assert_eq!(products(&list), [2, 4, 5, 6, 7, 8, 9, 10]);
}

#[test]
fn boosts_and_buries_shift_the_score_by_at_most_the_bound() {
    let plain = serve(&[]);
    let boosted = serve(&[MerchantRule::new(4, Action::Boost { amount: 5.0 }, [9])]);
    let buried = serve(&[MerchantRule::new(5, Action::Bury { amount: 0.2 }, [1])]);
    let score = |list: &ServedList, id: i64| {
        list.items()
            .find(|i| i.ranked.external_id == id)
            .map(|i| i.ranked.score)
    };
    let base = serve(&[MerchantRule::new(
        9,
        Action::Exclude,
        [1, 2, 3, 4, 5, 6, 7, 8],
    )]);

    assert!(
        products(&boosted)[..3].contains(&9),
        "{:?}",
        products(&boosted)
    );
    let shift = score(&boosted, 9).unwrap_or(0.0) - score(&base, 9).unwrap_or(0.0);
    assert!(
        (shift - MAX_SHIFT).abs() < 1e-6,
        "a boost of 5 shifts {shift}"
    );
    assert_eq!(boosted.modules[0].items[0].ranked.external_id, 9);
    assert_eq!(
        boosted
            .items()
            .find(|i| i.ranked.external_id == 9)
            .and_then(|i| i.rule),
        Some(4)
    );
    assert_ne!(products(&buried)[0], 1, "buried below the next best");
    assert!(score(&buried, 1) < score(&plain, 1));
}

#[test]
fn a_rule_applies_only_within_its_window_and_on_its_surface() {
    let s = shop(&rows());
    let main = policy(&[("main", 8)]);
    let windowed = [pin(1, 9, 2).during(Some(2_000), Some(3_000))];
    let on_cart = [pin(1, 9, 2).on(Surface::Cart)];
    let pinned_at = |rules: &[MerchantRule], now| products(&serve_at(&s, rules, &main, now))[1];

    assert_eq!(pinned_at(&windowed, 1_999), 2, "before the start");
    assert_eq!(pinned_at(&windowed, 2_000), 9, "from the start");
    assert_eq!(pinned_at(&windowed, 2_999), 9);
    assert_eq!(pinned_at(&windowed, 3_000), 2, "the end is exclusive");
    assert_eq!(pinned_at(&on_cart, 2_500), 2, "another surface's rule");
}

#[test]
fn a_pinned_product_goes_to_the_first_module_only_even_when_no_generator_proposed_it() {
    let s = shop(&rows());
    let two = policy(&[("main", 4), ("more", 4)]);
    let mut pool = ranker::CandidatePool::new();
    let few: Vec<(ItemId, f32)> = (0..8).map(|i| (ItemId(i), 1.0 - i as f32 * 0.1)).collect();
    pool.add_source(&s.catalog, ranker::Source::CoOccurrence, 1.0, &few)
        .unwrap_or_else(|e| panic!("{e}"));
    let rules = MerchantRules::new(vec![pin(1, 10, 4), pin(2, 3, 3)]);
    let signals = Signals::default().with_rules(&rules);
    let ctx = Context::new(Surface::Product, 1_000);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let list = Ranker::builder()
        .rules(RuleSet::none())
        .build()
        .and_then(|r| r.serve_with(&s.catalog, &pool, &ctx, &two, &signals, &mut rng))
        .unwrap_or_else(|e| panic!("{e}"));

    let main: Vec<i64> = list.modules[0]
        .items
        .iter()
        .map(|i| i.ranked.external_id)
        .collect();
    let more: Vec<i64> = list.modules[1]
        .items
        .iter()
        .map(|i| i.ranked.external_id)
        .collect();
    assert_eq!(
        main,
        [1, 2, 3, 10],
        "product 10 is not in the pool, yet pinned"
    );
    assert!(!more.contains(&10) && !more.contains(&3));
}
