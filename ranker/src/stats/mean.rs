//! A mean of per-unit values (revenue per profile) and the normal (Welch) interval of the
//! difference of two means. Revenue is no rate: most units are 0 and a few are large, so its
//! spread comes from the values themselves, not from the mean as for a proportion.

use serde::Serialize;

use super::normal::normal_quantile;
use super::proportion::Interval;

/// Count, mean and spread of a sample, accumulated one value at a time (Welford's update:
/// stable where a sum of squares of large amounts would lose the spread to rounding).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Mean {
    count: u64,
    mean: f64,
    /// Sum of squared deviations from the running mean.
    m2: f64,
}

/// The difference of two means (treatment minus control) and its normal interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanDifference {
    /// Treatment mean minus control mean.
    pub difference: f64,
    /// Its interval at the requested confidence.
    pub interval: Interval,
}

impl Mean {
    /// The mean of `values`.
    #[must_use]
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let mut mean = Self::default();
        for value in values {
            mean.add(value);
        }
        mean
    }

    /// Adds one value.
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn add(&mut self, value: f64) {
        self.count += 1;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (value - self.mean);
    }

    /// Values added.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean (0 without values).
    #[must_use]
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The sample variance (`n − 1` in the denominator); `None` below two values.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn variance(&self) -> Option<f64> {
        (self.count >= 2).then(|| self.m2 / (self.count - 1) as f64)
    }

    /// Treatment minus `control` with its normal interval at `confidence` (Welch's standard
    /// error, `√(s₁²/n₁ + s₂²/n₂)`; fine at the hundreds of units per arm a holdout has, rough
    /// below). `None` when either side has fewer than two values.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn minus(&self, control: &Self, confidence: f64) -> Option<MeanDifference> {
        let spread =
            self.variance()? / self.count as f64 + control.variance()? / control.count as f64;
        let half = normal_quantile(0.5 + confidence / 2.0) * spread.sqrt();
        let difference = self.mean - control.mean;
        Some(MeanDifference {
            difference,
            interval: Interval {
                low: difference - half,
                high: difference + half,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_of_two_small_samples_matches_the_hand_computation() {
        // Control 0, 0, 10, 30: mean 10, s² = (100 + 100 + 0 + 400) / 3 = 200.
        // Treatment 10, 20, 30, 40, 50: mean 30, s² = (400 + 100 + 0 + 100 + 400) / 4 = 250.
        // SE = √(200/4 + 250/5) = 10; z(0.975) = 1.959964; 20 ± 19.59964.
        let control = Mean::of([0.0, 0.0, 10.0, 30.0]);
        let treatment = Mean::of([10.0, 20.0, 30.0, 40.0, 50.0]);
        assert!((control.variance().unwrap() - 200.0).abs() < 1e-9);
        assert!((treatment.variance().unwrap() - 250.0).abs() < 1e-9);

        let d = treatment.minus(&control, 0.95).unwrap();

        assert!((d.difference - 20.0).abs() < 1e-9, "{d:?}");
        assert!((d.interval.low - 0.400_36).abs() < 1e-4, "{d:?}");
        assert!((d.interval.high - 39.599_64).abs() < 1e-4, "{d:?}");
    }

    #[test]
    fn fewer_than_two_values_give_no_interval() {
        let one = Mean::of([5.0]);
        assert_eq!(one.variance(), None);
        assert_eq!(Mean::of([1.0, 2.0]).minus(&one, 0.95), None);
        assert_eq!(Mean::default().mean(), 0.0);
    }

    #[test]
    fn large_amounts_keep_their_spread() {
        // A naive sum of squares loses these deviations to rounding at 1e9.
        let m = Mean::of([1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0]);
        assert!((m.variance().unwrap() - 30.0).abs() < 1e-6, "{m:?}");
    }
}
