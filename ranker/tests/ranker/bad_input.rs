//! Bad input gives a typed error or a documented fallback, never a panic.

use ranker::candidates::content::ContentIndex;
use ranker::candidates::cooccurrence::{CooccurrenceConfig, CooccurrenceModel, Interaction};
use ranker::{
    Candidate, CandidatePool, Catalog, CategoryId, Context, FeatureTable, ItemId, ItemSpec, Policy,
    Ranker, RankerError, SimilarityConfig, Source, SourceSet, Surface, Weights,
};

use crate::helpers::{pool_desc, shop};

fn one_category() -> (ranker::CatalogBuilder, CategoryId) {
    let mut b = Catalog::builder(3);
    let c = b
        .category(&["A"])
        .unwrap_or_else(|| panic!("non-empty path"));
    (b, c)
}

#[test]
fn nan_and_infinite_item_features_are_rejected() {
    let (mut b, c) = one_category();
    assert_eq!(
        b.add_item(ItemSpec::new(1, c).price(f32::NAN)),
        Err(RankerError::NonFinite { field: "price" })
    );
    assert_eq!(
        b.add_item(ItemSpec::new(1, c).margin(f32::INFINITY)),
        Err(RankerError::NonFinite { field: "margin" })
    );
    let bad = ItemSpec::new(1, c).embedding(vec![0.0, f32::NAN, 1.0]);
    assert_eq!(
        b.add_item(bad),
        Err(RankerError::NonFinite { field: "embedding" })
    );
}

#[test]
fn duplicate_ids_unknown_categories_and_wrong_dimensions_are_typed_errors() {
    let (mut b, c) = one_category();
    assert!(b.add_item(ItemSpec::new(7, c)).is_ok());
    assert_eq!(
        b.add_item(ItemSpec::new(7, c)),
        Err(RankerError::DuplicateItem(7))
    );
    assert_eq!(
        b.add_item(ItemSpec::new(8, CategoryId(99))),
        Err(RankerError::UnknownCategory(CategoryId(99)))
    );
    let wrong = ItemSpec::new(9, c).embedding(vec![1.0; 4]);
    assert_eq!(
        b.add_item(wrong),
        Err(RankerError::DimensionMismatch {
            expected: 3,
            found: 4
        })
    );
    let catalog = b.build();
    let index =
        ContentIndex::new(&catalog, &SimilarityConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        index.nearest(&[1.0, 0.0], 5),
        Err(RankerError::DimensionMismatch { .. })
    ));
    let mut table = FeatureTable::default();
    assert!(matches!(
        table.relevance_from_embedding(&catalog, &[1.0]),
        Err(RankerError::DimensionMismatch { .. })
    ));
}

#[test]
fn duplicate_or_unknown_pool_entries_are_rejected() {
    let s = shop(&[(0, 0, 0, None, true)]);
    let c = Candidate {
        item: ItemId(0),
        relevance: 0.5,
        sources: SourceSet::default(),
        primary: Source::Content,
        via: None,
    };
    assert_eq!(
        CandidatePool::from_candidates(&s.catalog, vec![c, c]).err(),
        Some(RankerError::DuplicateItem(1))
    );
    let unknown = Candidate {
        item: ItemId(5),
        ..c
    };
    assert_eq!(
        CandidatePool::from_candidates(&s.catalog, vec![unknown]).err(),
        Some(RankerError::UnknownItem(ItemId(5)))
    );
    let nan = Candidate {
        relevance: f32::NAN,
        ..c
    };
    assert!(matches!(
        CandidatePool::from_candidates(&s.catalog, vec![nan]),
        Err(RankerError::NonFinite { .. })
    ));
    let mut pool = CandidatePool::new();
    assert!(
        pool.add_source(&s.catalog, Source::Content, 1.0, &[(ItemId(0), f32::NAN)])
            .is_err()
    );
    assert!(
        pool.add_source(&s.catalog, Source::Content, 1.5, &[(ItemId(0), 1.0)])
            .is_err()
    );
    // Within one source a repeated item keeps its best score (documented fallback).
    assert!(
        pool.add_source(
            &s.catalog,
            Source::Content,
            1.0,
            &[(ItemId(0), 0.2), (ItemId(0), 0.4)]
        )
        .is_ok()
    );
    assert_eq!(pool.len(), 1);
}

#[test]
fn empty_pools_and_k_zero_give_empty_lists() {
    let s = shop(&[(0, 0, 0, None, true)]);
    let r = Ranker::builder().build().unwrap_or_else(|e| panic!("{e}"));
    let ctx = Context::new(Surface::Home, 0);
    assert!(
        r.rank(&s.catalog, &CandidatePool::new(), &ctx, 10)
            .is_ok_and(|l| l.items.is_empty())
    );
    assert!(
        r.rank(&s.catalog, &pool_desc(&s.catalog), &ctx, 0)
            .is_ok_and(|l| l.items.is_empty())
    );
}

#[test]
fn bad_settings_are_rejected_when_building() {
    let bad_weights = Weights {
        relevance: -1.0,
        ..Weights::default()
    };
    assert!(matches!(
        Ranker::builder().weights(bad_weights).build(),
        Err(RankerError::InvalidWeights(_))
    ));
    let zero = Weights {
        relevance: 0.0,
        intent: 0.0,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    };
    assert!(matches!(
        Ranker::builder().weights(zero).build(),
        Err(RankerError::InvalidWeights(_))
    ));
    assert!(
        Ranker::builder()
            .policy(Policy::Mmr { lambda: 1.5 })
            .build()
            .is_err()
    );
    assert!(
        Ranker::builder()
            .policy(Policy::Dpp { alpha: f32::NAN })
            .build()
            .is_err()
    );
}

#[test]
fn unknown_items_in_context_and_interactions_are_handled() {
    let s = shop(&[(0, 0, 0, None, true), (1, 1, 1, None, true)]);
    let r = Ranker::builder().build().unwrap_or_else(|e| panic!("{e}"));
    let ctx = Context::new(Surface::Product, 0).with_seeds(vec![ItemId(42)]);
    assert!(
        r.rank(&s.catalog, &pool_desc(&s.catalog), &ctx, 2)
            .is_ok_and(|l| l.items.len() == 2)
    );
    let events = [Interaction {
        user: 0,
        item: ItemId(9),
        weight: 1.0,
        at: 0,
    }];
    let fitted = CooccurrenceModel::fit(2, &events, &CooccurrenceConfig::default());
    assert_eq!(fitted.err(), Some(RankerError::UnknownItem(ItemId(9))));
}
