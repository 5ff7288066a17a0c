use proptest::prelude::*;

use super::*;
use crate::testkit::interactions as events;

#[test]
fn blockbusters_are_not_similar_just_because_everyone_has_both() {
    // Items 0 and 1 are in every basket; 2 and 3 always go together in half of them.
    let mut pairs = Vec::new();
    for u in 0..8 {
        pairs.extend([(u, 0), (u, 1)]);
        if u < 4 {
            pairs.extend([(u, 2), (u, 3)]);
        }
    }
    let rows = ppmi_rows(4, &events(&pairs), 1.0).unwrap_or_default();
    // PMI(0, 1) = ln(8·8 / (8·8)) = 0: clipped away.
    assert!(rows[0].is_empty() && rows[1].is_empty());
    // PMI(2, 3) = ln(4·8 / (4·4)) = ln 2 > 0: each is the other's only neighbour.
    assert_eq!(rows[2], vec![(ItemId(3), 1.0)]);
    assert!((sparse_dot(&rows[2], &[(ItemId(3), 1.0)]) - 1.0).abs() < 1e-6);
}

#[test]
fn bad_inputs_are_typed_errors() {
    assert!(matches!(
        ppmi_rows(2, &events(&[(0, 5)]), 1.0),
        Err(RankerError::UnknownItem(ItemId(5)))
    ));
    assert!(ppmi_rows(2, &events(&[(0, 1)]), 0.5).is_err());
    assert!(ppmi_rows(2, &events(&[(0, 1)]), f32::NAN).is_err());
}

#[test]
fn a_larger_shift_keeps_only_stronger_associations() {
    let mut pairs = Vec::new();
    for u in 0..12 {
        pairs.push((u, 0));
        if u < 6 {
            pairs.push((u, 1)); // PMI(0, 1) = ln(6·12 / (12·6)) = 0
        }
        if u < 2 {
            pairs.push((u, 2)); // PMI(1, 2) = ln(2·12 / (6·2)) = ln 2
        }
    }
    let plain = ppmi_rows(3, &events(&pairs), 1.0).unwrap_or_default();
    let shifted = ppmi_rows(3, &events(&pairs), 3.0).unwrap_or_default();
    assert_eq!(plain[1].len(), 1);
    assert!(shifted[1].is_empty());
}

proptest! {
    #[test]
    fn rows_are_sorted_unit_finite_and_symmetric_in_support(
        pairs in proptest::collection::vec((0u32..12, 0u32..15), 0..120)
    ) {
        let rows = ppmi_rows(15, &events(&pairs), 1.0).unwrap_or_default();
        prop_assert_eq!(rows.len(), 15);
        for (i, row) in rows.iter().enumerate() {
            prop_assert!(row.windows(2).all(|w| w[0].0 < w[1].0));
            prop_assert!(row.iter().all(|(j, v)| v.is_finite() && *v > 0.0 && j.index() != i));
            if !row.is_empty() {
                prop_assert!((sparse_dot(row, row) - 1.0).abs() < 1e-4);
            }
            for (j, _) in row {
                prop_assert!(rows[j.index()].iter().any(|(k, _)| k.index() == i));
            }
        }
        // Deterministic.
        prop_assert_eq!(rows, ppmi_rows(15, &events(&pairs), 1.0).unwrap_or_default());
    }
}
