use super::*;
use crate::testkit::{pool_all, shop};

#[test]
fn default_weights_are_the_documented_blend() {
    let w = Weights::default();
    assert_eq!(
        (w.relevance, w.intent, w.margin, w.inventory, w.novelty),
        (0.55, 0.20, 0.10, 0.10, 0.05)
    );
    assert!(Weights::default().validated().is_ok());
}

#[test]
fn negative_or_all_zero_weights_are_rejected() {
    assert!(matches!(
        Weights::new(-0.1, 1.0, 0.0, 0.0, 0.0),
        Err(RankerError::InvalidWeights(_))
    ));
    assert!(matches!(
        Weights::new(0.0, 0.0, 0.0, 0.0, 0.0),
        Err(RankerError::InvalidWeights(_))
    ));
    assert!(matches!(
        Weights::new(f32::NAN, 1.0, 0.0, 0.0, 0.0),
        Err(RankerError::InvalidWeights(_))
    ));
}

#[test]
fn weights_are_normalised_to_sum_to_one() -> Result<()> {
    let w = Weights::new(2.0, 2.0, 0.0, 0.0, 0.0)?;
    assert!((w.relevance - 0.5).abs() < 1e-6 && (w.intent - 0.5).abs() < 1e-6);
    Ok(())
}

#[test]
fn nan_features_fall_back_to_zero_and_never_win() {
    let mut table = FeatureTable::default();
    let nan = ScoreComponents {
        relevance: f32::NAN,
        intent: f32::INFINITY,
        margin: -3.0,
        inventory: 2.0,
        novelty: 0.0,
    };
    table.push(
        ItemId(0),
        (SourceSet::default(), Source::Content, None),
        nan,
    );
    table.push(
        ItemId(1),
        (SourceSet::default(), Source::Content, None),
        ScoreComponents {
            relevance: 0.9,
            ..Default::default()
        },
    );
    let top = table.top_k(
        &Weights::new(1.0, 0.0, 0.0, 0.0, 0.0).unwrap_or_default(),
        2,
    );
    assert_eq!(top[0].item, ItemId(1));
    assert!(top.iter().all(|s| s.score.is_finite()));
    assert_eq!(top[1].components.relevance, 0.0);
    assert_eq!(top[1].components.inventory, 1.0);
}

#[test]
fn top_k_matches_a_full_sort_and_breaks_ties_by_row() {
    let scores = [0.3, 0.9, 0.3, 0.5, 0.9, 0.1];
    assert_eq!(top_k_indices(&scores, 4), vec![1, 4, 3, 0]);
    assert_eq!(top_k_indices(&scores, 0), Vec::<usize>::new());
    assert_eq!(top_k_indices(&scores, 99).len(), 6);
}

#[test]
fn the_table_holds_every_known_pool_item() {
    let catalog = shop();
    let pool = pool_all(&catalog);
    let table = FeatureTable::build(&catalog, pool.candidates(), &Intent::default(), 0);
    assert_eq!(table.len(), catalog.len());
}
