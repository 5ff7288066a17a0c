//! The search surface: a query naming a catalog brand is branded (tight to that brand), any
//! other query is generic (diversified over every item).

use std::collections::HashSet;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::{Context, EventKind, ItemId, PolicySet, Ranker, ServedList, SessionEvent, Surface};

use crate::helpers::{Row, Shop, pool_desc, shop};

fn rows() -> Vec<Row> {
    (0..60).map(|i| (i % 5, i % 4, i % 3, None, true)).collect()
}

fn search(s: &Shop, ctx: &Context) -> ServedList {
    let policy = PolicySet::default().get(Surface::Search).clone();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let r = Ranker::builder().build().unwrap_or_else(|e| panic!("{e}"));
    r.serve(&s.catalog, &pool_desc(&s.catalog), ctx, &policy, &mut rng)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn brands(s: &Shop, list: &ServedList) -> HashSet<u32> {
    list.items()
        .filter(|i| !i.explored)
        .filter_map(|i| {
            s.catalog
                .item(i.ranked.item)
                .and_then(|x| x.brand)
                .map(|b| b.0)
        })
        .collect()
}

#[test]
fn a_query_naming_a_brand_in_any_case_keeps_to_that_brand() {
    let s = shop(&rows());
    let brand = s.catalog.item(ItemId(2)).unwrap().brand.unwrap();
    assert_eq!(
        s.catalog.brand_in_query("BRAND-2 running shoes"),
        Some(brand)
    );
    let ctx = Context::new(Surface::Search, 1_000).with_query("BRAND-2 running shoes");
    assert_eq!(brands(&s, &search(&s, &ctx)), HashSet::from([brand.0]));
}

#[test]
fn a_generic_query_is_diversified_even_in_a_single_brand_session() {
    let s = shop(&rows());
    // Every viewed item is brand-0: the session intent has a dominant brand.
    let events = (0..4)
        .map(|t| SessionEvent {
            item: ItemId(t * 4),
            kind: EventKind::View,
            at: 990,
        })
        .collect();
    let ctx = Context::new(Surface::Search, 1_000).with_events(events);
    assert_eq!(
        brands(&s, &search(&s, &ctx)).len(),
        1,
        "no query: session brand"
    );
    let generic = ctx.with_query("running shoes");
    assert!(brands(&s, &search(&s, &generic)).len() > 1);
    assert_eq!(s.catalog.brand_in_query("brand shoes"), None);
}

#[test]
fn a_stored_context_without_a_query_still_reads() {
    let ctx = Context::new(Surface::Search, 5);
    let mut v = serde_json::to_value(&ctx).unwrap();
    v.as_object_mut().unwrap().remove("query");
    let back: Context = serde_json::from_value(v).unwrap();
    assert_eq!(back, ctx);
}
