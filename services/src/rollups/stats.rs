//! Small statistics the rollups share.

/// `part / whole`, or 0 when there is no whole (a day without the denominator has a rate of
/// 0 over 0 samples, which the `samples` column makes visible).
#[must_use]
pub fn share(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

/// The Gini coefficient of non-negative counts: 0 when every item is shown equally often, near
/// 1 when a few items take all the exposure. Zeros count (an item never shown is the point);
/// no items or no exposure gives 0.
#[must_use]
pub fn gini(counts: &[i64]) -> f64 {
    let mut sorted: Vec<i64> = counts.iter().map(|c| (*c).max(0)).collect();
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    let total: f64 = sorted.iter().map(|c| *c as f64).sum();
    if sorted.is_empty() || total == 0.0 {
        return 0.0;
    }
    // G = 2·Σ i·x_(i) / (n·Σx) − (n + 1)/n with 1-based ranks over the ascending counts.
    let ranked: f64 = (1_u32..)
        .zip(&sorted)
        .map(|(rank, c)| f64::from(rank) * *c as f64)
        .sum();
    2.0 * ranked / (n * total) - (n + 1.0) / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_exposure_has_no_inequality() {
        assert!(gini(&[5, 5, 5, 5]).abs() < 1e-12);
        assert_eq!(gini(&[]), 0.0);
        assert_eq!(gini(&[0, 0]), 0.0);
    }

    #[test]
    fn one_item_taking_everything_approaches_one() {
        // (n − 1)/n for one non-zero among n.
        assert!((gini(&[0, 0, 0, 10]) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn matches_the_mean_absolute_difference_definition() {
        let counts = [1, 2, 3, 7, 0];
        let n = counts.len() as f64;
        let mean = counts.iter().sum::<i64>() as f64 / n;
        let pairs: f64 = counts
            .iter()
            .flat_map(|a| counts.iter().map(move |b| (a - b).abs() as f64))
            .sum();
        let expected = pairs / (2.0 * n * n * mean);
        assert!((gini(&counts) - expected).abs() < 1e-12);
    }

    #[test]
    fn shares_of_nothing_are_zero() {
        assert_eq!(share(3, 0), 0.0);
        assert_eq!(share(1, 4), 0.25);
    }
}
