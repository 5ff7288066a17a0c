use proptest::prelude::*;

use super::*;
use crate::catalog::ItemId;
use crate::testkit::interactions as events;

/// The cosine of two items' profile sets (the similarity the vectors approximate).
fn audience_cosine(pairs: &[(u32, u32)], a: u32, b: u32) -> f64 {
    let holders = |item: u32| -> std::collections::BTreeSet<u32> {
        pairs
            .iter()
            .filter(|(_, i)| *i == item)
            .map(|(u, _)| *u)
            .collect()
    };
    let (x, y) = (holders(a), holders(b));
    let both = x.intersection(&y).count() as f64;
    both / ((x.len() * y.len()) as f64).sqrt()
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// Three audiences: profiles 0-3 hold items 0-2, profiles 4-7 hold 3-5, profiles 8-9 hold 6-7.
fn three_audiences() -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    for (profiles, items) in [(0..4, 0..3), (4..8, 3..6), (8..10, 6..8)] {
        for p in profiles {
            pairs.extend(items.clone().map(|i| (p, i)));
        }
    }
    pairs
}

fn config(dim: usize) -> VectorConfig {
    VectorConfig {
        dim,
        ..VectorConfig::default()
    }
}

#[test]
fn items_with_the_same_audience_align_and_disjoint_audiences_are_orthogonal() {
    let pairs = three_audiences();
    let v = behaviour_vectors(9, &events(&pairs), &config(3)).unwrap();
    assert!((dot(&v[0], &v[2]) - 1.0).abs() < 1e-5);
    assert!((dot(&v[3], &v[5]) - 1.0).abs() < 1e-5);
    assert!((dot(&v[6], &v[7]) - 1.0).abs() < 1e-5);
    assert!(dot(&v[0], &v[3]).abs() < 1e-5);
    assert!(dot(&v[5], &v[6]).abs() < 1e-5);
    assert!(v[8].iter().all(|x| *x == 0.0), "nobody holds item 8");
}

#[test]
fn a_smaller_dimension_keeps_the_largest_audiences_apart() {
    // Two dimensions keep the two audiences with the most items (3 and 3 against 2: an
    // audience's eigenvalue is its item count), and the third gets no direction.
    let pairs = three_audiences();
    let v = behaviour_vectors(8, &events(&pairs), &config(2)).unwrap();
    assert!(v.iter().all(|row| row.len() == 2));
    assert!((dot(&v[0], &v[1]) - 1.0).abs() < 1e-5);
    assert!(dot(&v[0], &v[4]).abs() < 1e-5);
    assert!(v[6].iter().chain(&v[7]).all(|x| x.abs() < 1e-6));
}

#[test]
fn jacobi_diagonalises_a_symmetric_matrix() {
    let m = Dense {
        rows: 3,
        cols: 3,
        data: vec![4.0, 1.0, -2.0, 1.0, 2.0, 0.5, -2.0, 0.5, 3.0],
    };
    let (values, z) = jacobi_eigen(m.clone());
    for i in 0..3 {
        for j in 0..3 {
            let rebuilt: f64 = (0..3).map(|t| z.at(i, t) * values[t] * z.at(j, t)).sum();
            assert!((rebuilt - m.at(i, j)).abs() < 1e-10, "({i},{j})");
            let ortho: f64 = (0..3).map(|t| z.at(t, i) * z.at(t, j)).sum();
            assert!((ortho - f64::from(u8::from(i == j))).abs() < 1e-10);
        }
    }
    let trace: f64 = values.iter().sum();
    assert!((trace - 9.0).abs() < 1e-10);
}

#[test]
fn refuses_a_zero_dimension_unknown_items_and_nan_weights() {
    let pairs = events(&[(0, 0), (0, 1)]);
    assert!(matches!(
        behaviour_vectors(2, &pairs, &config(0)),
        Err(RankerError::InvalidParameter { name: "dim", .. })
    ));
    assert!(matches!(
        behaviour_vectors(1, &pairs, &config(4)),
        Err(RankerError::UnknownItem(ItemId(1)))
    ));
    let mut nan = pairs;
    nan[0].weight = f32::NAN;
    assert!(matches!(
        behaviour_vectors(2, &nan, &config(4)),
        Err(RankerError::NonFinite { .. })
    ));
}

#[test]
fn no_behaviour_gives_zero_vectors_of_the_asked_length() {
    let v = behaviour_vectors(3, &[], &config(4)).unwrap();
    assert_eq!(v, vec![vec![0.0; 4]; 3]);
}

proptest! {
    /// With as many dimensions as the data has directions the vectors reproduce every pair's
    /// audience cosine; every held item's vector has unit length; a fixed seed repeats.
    #[test]
    fn full_rank_vectors_reproduce_the_audience_cosine(
        pairs in prop::collection::vec((0u32..7, 0u32..9), 1..50)
    ) {
        let data = events(&pairs);
        let v = behaviour_vectors(10, &data, &config(10)).unwrap();
        prop_assert_eq!(&v, &behaviour_vectors(10, &data, &config(10)).unwrap());
        let held: std::collections::BTreeSet<u32> = pairs.iter().map(|(_, i)| *i).collect();
        for a in 0..10u32 {
            let norm = dot(&v[a as usize], &v[a as usize]);
            let expected = if held.contains(&a) { 1.0 } else { 0.0 };
            prop_assert!((norm - expected).abs() < 1e-4, "item {} norm {}", a, norm);
            for b in held.iter().copied().filter(|b| held.contains(&a) && *b != a) {
                let got = dot(&v[a as usize], &v[b as usize]);
                let want = audience_cosine(&pairs, a, b);
                prop_assert!((got - want).abs() < 1e-4, "({}, {}): {} vs {}", a, b, got, want);
            }
        }
    }
}
