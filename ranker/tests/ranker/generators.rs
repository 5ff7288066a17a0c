//! Candidate generators on tiny hand-checked data.

use ranker::candidates::complements::{CategoryGraph, ComplementModel};
use ranker::candidates::cooccurrence::{
    CooccurrenceConfig, CooccurrenceModel, Interaction, Normalisation, affinity,
};
use ranker::candidates::new_arrivals::new_arrivals;
use ranker::candidates::popularity::trending;
use ranker::{CandidatePool, Catalog, ItemId, ItemSpec, Source};

use crate::helpers::shop;

fn ev(user: u32, item: u32, at: i64) -> Interaction {
    Interaction {
        user,
        item: ItemId(item),
        weight: 1.0,
        at,
    }
}

#[test]
fn jaccard_lift_and_cosine_follow_their_formulas() {
    // Item 0 in sessions {0,1,2}, item 1 in {0,1}, item 2 in {2}.
    let events = [
        ev(0, 0, 0),
        ev(0, 1, 0),
        ev(1, 0, 0),
        ev(1, 1, 0),
        ev(2, 0, 0),
        ev(2, 2, 0),
    ];
    let fit = |normalisation| {
        let cfg = CooccurrenceConfig {
            normalisation,
            decay_counts: false,
            ..CooccurrenceConfig::default()
        };
        CooccurrenceModel::fit(3, &events, &cfg).unwrap_or_else(|e| panic!("{e}"))
    };
    let sim = |m: &CooccurrenceModel, a: u32, b: u32| {
        m.similar(ItemId(a), 5)
            .into_iter()
            .find(|x| x.0 == ItemId(b))
            .map(|x| x.1)
    };
    assert_eq!(sim(&fit(Normalisation::Jaccard), 0, 1), Some(2.0 / 3.0));
    assert_eq!(sim(&fit(Normalisation::Lift), 0, 1), Some(2.0 / 6.0));
    assert_eq!(
        sim(&fit(Normalisation::Cosine), 0, 2),
        Some(1.0 / 3f32.sqrt())
    );
    assert_eq!(sim(&fit(Normalisation::Jaccard), 1, 2), None);
}

#[test]
fn recommendations_decay_old_affinity_and_skip_seen_items() {
    let day = 86_400;
    let events = [
        ev(0, 0, 0),
        ev(0, 1, 0),
        ev(1, 2, 0),
        ev(1, 3, 0),
        ev(2, 0, 60 * day),
        ev(2, 2, 0),
    ];
    let cfg = CooccurrenceConfig {
        decay_counts: false,
        ..CooccurrenceConfig::default()
    };
    let model = CooccurrenceModel::fit(4, &events, &cfg).unwrap_or_else(|e| panic!("{e}"));
    let user2: Vec<_> = events.iter().filter(|e| e.user == 2).copied().collect();
    let a = affinity(
        &user2,
        &CooccurrenceConfig {
            now: Some(60 * day),
            ..cfg
        },
    );
    // Item 0 was seen today, item 2 two half-lives ago: neighbours of 0 must win.
    let recs = model.recommend(&a, 2, &[ItemId(0), ItemId(2)]);
    assert_eq!(recs.first().map(|r| r.0), Some(ItemId(1)));
    assert!(recs.iter().all(|r| r.0 != ItemId(0) && r.0 != ItemId(2)));
}

#[test]
fn complements_cross_categories_and_feed_the_category_graph() {
    let s = shop(&[
        (0, 0, 0, None, true),
        (0, 1, 1, None, true),
        (2, 2, 2, None, true),
        (4, 3, 0, None, true),
    ]);
    // Orders: shoe+shoe, shoe+socks twice, and a lone mug.
    let orders = [
        ev(0, 0, 0),
        ev(0, 1, 0),
        ev(1, 0, 0),
        ev(1, 2, 0),
        ev(2, 1, 0),
        ev(2, 2, 0),
        ev(3, 3, 0),
    ];
    let cfg = CooccurrenceConfig::default();
    let model = ComplementModel::fit(&s.catalog, &orders, &cfg).unwrap_or_else(|e| panic!("{e}"));
    let comps: Vec<_> = model
        .complements(ItemId(0), 5)
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(
        comps,
        vec![ItemId(2)],
        "same-category item 1 is not a complement"
    );
    let graph =
        CategoryGraph::from_purchases(&s.catalog, &orders, 5, 1).unwrap_or_else(|e| panic!("{e}"));
    assert!(graph.adjacent(s.cats.run, s.cats.socks));
    assert!(!graph.adjacent(s.cats.run, s.cats.mugs));
}

#[test]
fn trending_and_new_arrivals_favour_recent_activity_and_items() {
    let day = 86_400;
    let hot = trending(
        3,
        &[ev(0, 0, 0), ev(1, 0, 0), ev(2, 1, 10 * day)],
        10 * day,
        2.0 * day as f64,
        3,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        hot.first().map(|h| h.0),
        Some(ItemId(1)),
        "one fresh event beats two stale ones"
    );
    let mut b = Catalog::builder(0);
    let c = b.category(&["A"]).unwrap_or_else(|| panic!("path"));
    for (id, created) in [(1, 0), (2, 9 * day), (3, 5 * day)] {
        b.add_item(ItemSpec::new(id, c).created_at(created))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let catalog = b.build();
    let fresh: Vec<_> = new_arrivals(&catalog, 10 * day, 7 * day, 5)
        .into_iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(
        fresh,
        vec![ItemId(1), ItemId(2)],
        "newest first, older than the window dropped"
    );
}

#[test]
fn pools_merge_sources_by_noisy_or_and_keep_provenance() {
    let s = shop(&[(0, 0, 0, None, true), (1, 1, 1, None, true)]);
    let mut pool = CandidatePool::new();
    let ok = |r: ranker::Result<()>| r.unwrap_or_else(|e| panic!("{e}"));
    ok(pool.add_source(
        &s.catalog,
        Source::CoOccurrence,
        1.0,
        &[(ItemId(0), 4.0), (ItemId(1), 2.0)],
    ));
    ok(pool.add_source(&s.catalog, Source::Popularity, 0.5, &[(ItemId(1), 10.0)]));
    let c = pool.candidates();
    assert_eq!(c[0].relevance, 1.0);
    assert!((c[1].relevance - (1.0 - 0.5 * 0.5)).abs() < 1e-6);
    assert!(
        c[1].sources.contains(Source::CoOccurrence) && c[1].sources.contains(Source::Popularity)
    );
    assert_eq!(c[1].primary, Source::CoOccurrence);
}
