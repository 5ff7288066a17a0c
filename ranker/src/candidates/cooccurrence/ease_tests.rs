use proptest::prelude::*;

use super::*;
use crate::testkit::interactions as events;

/// Gauss-Jordan inverse with partial pivoting: an independent reference for `spd_inverse`.
fn reference_inverse(a: &[f64], m: usize) -> Vec<f64> {
    let mut work: Vec<Vec<f64>> = (0..m)
        .map(|i| {
            let mut row = a[i * m..(i + 1) * m].to_vec();
            row.extend((0..m).map(|j| f64::from(u8::from(i == j))));
            row
        })
        .collect();
    for col in 0..m {
        let pivot = (col..m)
            .max_by(|x, y| work[*x][col].abs().total_cmp(&work[*y][col].abs()))
            .unwrap();
        work.swap(col, pivot);
        let p = work[col][col];
        work[col].iter_mut().for_each(|v| *v /= p);
        for row in 0..m {
            if row != col {
                let f = work[row][col];
                let pivot_row = work[col].clone();
                work[row]
                    .iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(v, p)| *v -= f * p);
            }
        }
    }
    work.into_iter().flat_map(|row| row[m..].to_vec()).collect()
}

/// The regularised Gram matrix of random baskets over `m` items.
fn gram(baskets: &[Vec<usize>], m: usize, lambda: f64) -> Vec<f64> {
    let mut g = vec![0.0; m * m];
    for basket in baskets {
        for a in basket {
            for b in basket {
                g[a * m + b] += 1.0;
            }
        }
    }
    (0..m).for_each(|i| g[i * m + i] += lambda);
    g
}

proptest! {
    #[test]
    fn the_cholesky_inverse_matches_gauss_jordan(
        baskets in prop::collection::vec(prop::collection::btree_set(0usize..9, 1..6), 1..30),
        lambda in 0.5f64..50.0,
    ) {
        let baskets: Vec<Vec<usize>> = baskets.into_iter().map(|b| b.into_iter().collect()).collect();
        let m = 9;
        let g = gram(&baskets, m, lambda);
        let expected = reference_inverse(&g, m);

        let mut work = g;
        let got = spd_inverse(&mut work, m).unwrap();

        for (x, y) in got.iter().zip(&expected) {
            prop_assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()), "{x} vs {y}");
        }
    }
}

#[test]
fn weights_follow_the_closed_form_with_a_zero_diagonal() {
    let pairs = [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (1, 2),
        (2, 2),
        (2, 3),
        (3, 1),
        (3, 3),
    ];
    let config = EaseConfig {
        lambda: 2.0,
        max_items: 10,
    };
    let model = EaseModel::fit(4, &events(&pairs), &config).unwrap();
    let baskets = [vec![0, 1], vec![0, 1, 2], vec![2, 3], vec![1, 3]];
    // Items are modelled most-held first: 1 (3 users), then 0, 2, 3 (2 each, by id).
    let order = [1, 0, 2, 3];
    let remapped: Vec<Vec<usize>> = baskets
        .iter()
        .map(|b| {
            b.iter()
                .map(|i| order.iter().position(|o| o == i).unwrap())
                .collect()
        })
        .collect();
    let p = reference_inverse(&gram(&remapped, 4, 2.0), 4);

    for (a, from) in order.iter().enumerate() {
        for (b, to) in order.iter().enumerate() {
            let expected = if a == b {
                0.0
            } else {
                -p[a * 4 + b] / p[b * 4 + b]
            };
            let got = f64::from(model.weight(ItemId(*from), ItemId(*to)));
            assert!(
                (got - expected).abs() < 1e-6,
                "{from}->{to}: {got} vs {expected}"
            );
        }
    }
}

#[test]
fn a_profile_gets_what_its_items_predict_never_what_it_holds() {
    // Items 0 and 1 go together; 2 and 3 go together.
    let mut pairs = Vec::new();
    for u in 0..10 {
        if u % 2 == 0 {
            pairs.extend([(u, 0), (u, 1)]);
        } else {
            pairs.extend([(u, 2), (u, 3)]);
        }
    }
    let model = EaseModel::fit(4, &events(&pairs), &EaseConfig::default()).unwrap();

    let recs = model.recommend(&[ItemId(0)], 3, &[]);

    assert_eq!(recs.first().map(|r| r.0), Some(ItemId(1)));
    assert!(
        recs.iter()
            .all(|(item, score)| *item != ItemId(0) && *score > 0.0)
    );
    assert!(model.recommend(&[ItemId(0)], 3, &[ItemId(1)]).is_empty());
}

#[test]
fn only_the_most_held_items_are_modelled() {
    let mut pairs = vec![(0, 5), (1, 5), (2, 5), (0, 7), (1, 7), (0, 2)];
    pairs.push((3, 9));
    let config = EaseConfig {
        lambda: 1.0,
        max_items: 2,
    };

    let model = EaseModel::fit(10, &events(&pairs), &config).unwrap();

    assert_eq!(model.n_modelled(), 2);
    assert!(model.weight(ItemId(5), ItemId(7)) > 0.0);
    assert_eq!(model.weight(ItemId(2), ItemId(5)), 0.0, "2 is not modelled");
    assert_eq!(model.recommend(&[ItemId(2)], 5, &[]), Vec::new());
}

#[test]
fn bad_settings_and_unknown_items_are_typed_errors() {
    let pairs = events(&[(0, 0), (0, 1)]);
    for lambda in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let config = EaseConfig {
            lambda,
            ..EaseConfig::default()
        };
        assert!(matches!(
            EaseModel::fit(2, &pairs, &config),
            Err(RankerError::InvalidParameter { name: "lambda", .. })
        ));
    }
    let none = EaseConfig {
        max_items: 0,
        ..EaseConfig::default()
    };
    assert!(matches!(
        EaseModel::fit(2, &pairs, &none),
        Err(RankerError::InvalidParameter {
            name: "max_items",
            ..
        })
    ));
    assert!(matches!(
        EaseModel::fit(1, &pairs, &EaseConfig::default()),
        Err(RankerError::UnknownItem(ItemId(1)))
    ));
}

#[test]
fn no_interactions_give_an_empty_model() {
    let model = EaseModel::fit(3, &[], &EaseConfig::default()).unwrap();

    assert_eq!(model.n_modelled(), 0);
    assert!(model.recommend(&[ItemId(0)], 5, &[]).is_empty());
}
