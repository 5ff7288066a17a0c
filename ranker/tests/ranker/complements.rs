//! Lists that stay true to what they promise: complements only from the categories the
//! category graph pairs with the seeds, similar items only from the seed's category and its
//! siblings, seeds and their variant families never shown back, and reasons that say where
//! each item came from.

use std::collections::HashSet;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::candidates::complements::{CategoryGraph, Pairings};
use ranker::{
    CandidatePool, Catalog, CategoryId, Context, ItemId, PolicySet, Ranker, Reason, ServedList,
    Source, Surface,
};

use crate::helpers::{Row, Shop, shop};

/// 50 items over run, trail, socks, hats and mugs (index % 5); item 5 is another variant of
/// item 0 (a running shoe). Running shoes go with socks and hats, nothing else.
fn paired_shop() -> Shop {
    let rows: Vec<Row> = (0..50)
        .map(|i| {
            let family = [0, 5].contains(&i).then_some(0);
            (i % 5, i % 4, i % 3, family, true)
        })
        .collect();
    let mut s = shop(&rows);
    let mut graph = CategoryGraph::default();
    graph.connect(s.cats.run, s.cats.socks, 1.0);
    graph.connect(s.cats.run, s.cats.hats, 0.5);
    s.catalog.set_category_graph(graph);
    s
}

/// Every item as a co-view neighbour of `via`, mugs (unrelated to running) the most
/// relevant: a list that follows relevance alone fills with mugs.
fn coviewed_pool(catalog: &Catalog, via: ItemId) -> CandidatePool {
    let scored: Vec<(ItemId, f32)> = (0..catalog.len())
        .filter(|i| ItemId(*i as u32) != via)
        .map(|i| {
            let mug = i % 5 == 4;
            (
                ItemId(i as u32),
                if mug { 1.0 } else { 0.5 } / (1.0 + i as f32 * 0.01),
            )
        })
        .collect();
    let mut pool = CandidatePool::new();
    pool.add_neighbours(catalog, Source::CoOccurrence, 1.0, via, &scored)
        .unwrap_or_else(|e| panic!("{e}"));
    pool
}

fn serve(s: &Shop, pool: &CandidatePool, ctx: &Context) -> ServedList {
    let ranker = Ranker::builder().build().unwrap_or_else(|e| panic!("{e}"));
    let policy = PolicySet::default().get(ctx.surface).clone();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    ranker
        .serve(&s.catalog, pool, ctx, &policy, &mut rng)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn module(list: &ServedList, name: &str) -> Vec<(ItemId, Reason)> {
    list.modules
        .iter()
        .find(|m| m.name == name)
        .map(|m| {
            m.items
                .iter()
                .map(|i| (i.ranked.item, i.ranked.reason))
                .collect()
        })
        .unwrap_or_default()
}

fn category(s: &Shop, item: ItemId) -> CategoryId {
    s.catalog
        .item(item)
        .map(|i| i.category)
        .unwrap_or_else(|| panic!("{item:?}"))
}

/// The product page of item 0 in a pool that co-views every other item of `s`, those from
/// `favoured` on the most.
fn first_item_s_page(s: &Shop, favoured: u32) -> ServedList {
    let seed = ItemId(0);
    let scored: Vec<(ItemId, f32)> = (1..s.catalog.len() as u32)
        .map(|i| (ItemId(i), if i >= favoured { 1.0 } else { 0.5 }))
        .collect();
    let mut pool = CandidatePool::new();
    pool.add_neighbours(&s.catalog, Source::CoOccurrence, 1.0, seed, &scored)
        .unwrap_or_else(|e| panic!("{e}"));
    let ctx = Context::new(Surface::Product, 1_000).with_seeds(vec![seed]);
    serve(s, &pool, &ctx)
}

#[test]
fn complete_the_look_draws_only_on_paired_categories_however_relevant_the_rest() {
    let s = paired_shop();
    let seed = ItemId(0);
    let pool = coviewed_pool(&s.catalog, seed);
    let ctx = Context::new(Surface::Product, 1_000).with_seeds(vec![seed]);

    let list = serve(&s, &pool, &ctx);

    let look = module(&list, "complete_the_look");
    assert_eq!(look.len(), 4);
    for (item, reason) in &look {
        let c = category(&s, *item);
        assert!(c == s.cats.socks || c == s.cats.hats, "{item:?} in {c:?}");
        assert_eq!(*reason, Reason::GoesWith(seed), "{item:?}");
    }
}

#[test]
fn similar_items_keep_to_the_category_and_its_siblings_and_never_show_the_seeds_family() {
    let s = paired_shop();
    let seed = ItemId(0);
    let pool = coviewed_pool(&s.catalog, seed);
    let ctx = Context::new(Surface::Product, 1_000).with_seeds(vec![seed]);

    let list = serve(&s, &pool, &ctx);

    let similar = module(&list, "similar_items");
    assert_eq!(
        similar.len(),
        8,
        "9 running shoes, minus the seed and its variant"
    );
    for (item, reason) in &similar {
        assert_eq!(category(&s, *item), s.cats.run, "{item:?}");
        assert_eq!(*reason, Reason::Similar);
    }
    let shown: Vec<ItemId> = list.items().map(|i| i.ranked.item).collect();
    assert!(!shown.contains(&ItemId(5)), "another variant of the seed");
    let wide = module(&list, "you_may_also_like");
    let allowed = [s.cats.run, s.cats.trail, s.cats.socks, s.cats.hats];
    assert!(
        wide.iter()
            .all(|(item, _)| allowed.contains(&category(&s, *item))),
        "no mugs next to running shoes: {wide:?}"
    );
}

#[test]
fn a_cart_is_completed_as_a_whole_and_never_with_its_own_kinds() {
    let mut s = paired_shop();
    let mut graph = s.catalog.category_graph().clone();
    graph.connect(s.cats.mugs, s.cats.trail, 1.0);
    s.catalog.set_category_graph(graph);
    let (shoe, mug) = (ItemId(0), ItemId(4));
    let mut pool = coviewed_pool(&s.catalog, shoe);
    pool.merge_weighted(&s.catalog, 1.0, coviewed_pool(&s.catalog, mug).candidates())
        .unwrap_or_else(|e| panic!("{e}"));
    let ctx = Context::new(Surface::Cart, 1_000).with_seeds(vec![shoe, mug]);

    let list = serve(&s, &pool, &ctx);

    let cats: HashSet<CategoryId> = list.items().map(|i| category(&s, i.ranked.item)).collect();
    assert!(cats.contains(&s.cats.trail), "the mug's partner: {cats:?}");
    assert!(
        cats.contains(&s.cats.socks) || cats.contains(&s.cats.hats),
        "the shoe's partners: {cats:?}"
    );
    assert!(!cats.contains(&s.cats.run) && !cats.contains(&s.cats.mugs));
}

#[test]
fn reasons_name_the_product_they_relate_to_and_say_how() {
    let s = paired_shop();
    let viewed = ItemId(0);
    let pool = coviewed_pool(&s.catalog, viewed);
    let home = Context::new(Surface::Home, 1_000).with_seeds(vec![viewed]);

    let list = serve(&s, &pool, &home);

    for item in list.items() {
        let expected = match category(&s, item.ranked.item) {
            c if c == s.cats.socks || c == s.cats.hats => Reason::GoesWith(viewed),
            _ => Reason::BecauseViewed(viewed),
        };
        let reason = item.ranked.reason;
        let new_in = Reason::NewIn(category(&s, item.ranked.item));
        assert!(reason == expected || reason == new_in, "{item:?}");
    }
}

#[test]
fn pairings_offer_partner_categories_only_and_prefer_the_seeds_price_band() {
    let s = paired_shop();
    let popularity: Vec<f32> = (0..s.catalog.len())
        .map(|i| 1.0 / (1.0 + i as f32))
        .collect();
    let pairings = Pairings::build(&s.catalog, &popularity, 3);

    let paired = pairings.for_item(&s.catalog, ItemId(0), 10);
    let mugs = pairings.for_item(&s.catalog, ItemId(4), 10);

    assert_eq!(paired.len(), 6, "three socks and three hats");
    assert!(paired.iter().all(|(item, _)| {
        let c = category(&s, *item);
        c == s.cats.socks || c == s.cats.hats
    }));
    assert!(paired.windows(2).all(|w| w[0].1 >= w[1].1), "best first");
    assert!(mugs.is_empty(), "mugs have no partner category");
}

#[test]
fn a_category_the_graph_does_not_pair_still_gets_a_look_from_other_categories() {
    let s = paired_shop();
    let mug = ItemId(4);
    let pool = coviewed_pool(&s.catalog, mug);
    let ctx = Context::new(Surface::Product, 1_000).with_seeds(vec![mug]);

    let list = serve(&s, &pool, &ctx);

    let look = module(&list, "complete_the_look");
    assert_eq!(look.len(), 4, "mugs have no partner, the look still fills");
    assert!(
        look.iter()
            .all(|(item, _)| category(&s, *item) != s.cats.mugs)
    );
    assert!(
        look.iter().all(|(_, reason)| *reason == Reason::AlsoViewed),
        "and says what is known about them: {look:?}"
    );
}

#[test]
fn a_replenishable_category_may_complete_a_cart_with_more_of_its_kind() {
    let mut s = paired_shop();
    let mut graph = s.catalog.category_graph().clone();
    graph.connect(s.cats.socks, s.cats.socks, 0.4);
    s.catalog.set_category_graph(graph);
    let (shoe, sock) = (ItemId(0), ItemId(2));
    let mut pool = coviewed_pool(&s.catalog, shoe);
    pool.merge_weighted(
        &s.catalog,
        1.0,
        coviewed_pool(&s.catalog, sock).candidates(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ctx = Context::new(Surface::Cart, 1_000).with_seeds(vec![shoe, sock]);

    let list = serve(&s, &pool, &ctx);

    let cats: Vec<CategoryId> = list.items().map(|i| category(&s, i.ranked.item)).collect();
    assert!(
        cats.contains(&s.cats.socks),
        "socks run out: more socks {cats:?}"
    );
    assert!(
        !cats.contains(&s.cats.run),
        "but never another pair of running shoes"
    );
    assert!(list.items().all(|i| i.ranked.item != sock));
}

#[test]
fn the_few_complements_of_a_small_shop_go_to_complete_the_look_not_the_module_above_it() {
    // Twelve running shoes, eight trail shoes, three socks; socks are the most relevant.
    let rows: Vec<Row> = (0..23)
        .map(|i| match i {
            0..12 => (0, i % 4, 0, None, true),
            12..20 => (1, i % 4, 0, None, true),
            _ => (2, i % 4, 0, None, true),
        })
        .collect();
    let mut s = shop(&rows);
    let mut graph = CategoryGraph::default();
    graph.connect(s.cats.run, s.cats.socks, 1.0);
    s.catalog.set_category_graph(graph);
    let list = first_item_s_page(&s, 20);

    let look: Vec<ItemId> = module(&list, "complete_the_look")
        .iter()
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(look.len(), 3, "all three socks: {look:?}");
    let names: Vec<&str> = list.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["similar_items", "you_may_also_like", "complete_the_look"]
    );
}

#[test]
fn similar_items_short_of_their_kind_leave_a_sibling_category_that_completes_the_look_to_it() {
    // Four trail shoes and three running shoes: running is trail's sibling, so similar
    // items may stand in with it, and the graph pairs the two, so it completes the look.
    let rows: Vec<Row> = (0..7)
        .map(|i| (if i < 4 { 1 } else { 0 }, i % 4, 0, None, true))
        .collect();
    let mut s = shop(&rows);
    let mut graph = CategoryGraph::default();
    graph.connect(s.cats.trail, s.cats.run, 1.0);
    s.catalog.set_category_graph(graph);
    let list = first_item_s_page(&s, 4);

    let items =
        |name: &str| -> HashSet<ItemId> { module(&list, name).iter().map(|(i, _)| *i).collect() };
    let running: HashSet<ItemId> = (4..7).map(ItemId).collect();
    assert_eq!(items("complete_the_look"), running);
    let trail: HashSet<ItemId> = (1..4).map(ItemId).collect();
    assert_eq!(items("similar_items"), trail, "the fellow trail shoes only");
}
