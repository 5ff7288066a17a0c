//! A mean of per-unit amounts (revenue per session, per profile) with its normal interval,
//! and the normal (Welch) interval of the difference of two means. Revenue is no rate: most
//! units are 0 and a few are large, so its spread comes from the values themselves, not from
//! the mean as for a proportion; the normal approximation needs many units before its
//! interval is honest, and the sequential test built on it
//! ([`super::SequentialTest::look_means`]) is, like the rates', asymptotic.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::normal::normal_quantile;
use super::proportion::Interval;

/// Count, mean and spread of a sample, accumulated one value at a time (Welford's update:
/// stable where a sum of squares of large amounts would lose the spread to rounding).
/// Serialised as the units `n` and their `sum`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Mean {
    count: u64,
    mean: f64,
    /// Sum of squared deviations from the mean.
    m2: f64,
}

/// The difference of two means (treatment minus control) and its normal interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
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

    /// The same sample padded with zeros up to `units` values: the sessions that bought
    /// nothing, which are most of them and need not be listed one by one (Chan's merge of
    /// two samples, the other being all zeros).
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn with_zeros_up_to(self, units: u64) -> Self {
        let zeros = units.saturating_sub(self.count);
        if zeros == 0 {
            return self;
        }
        let count = self.count + zeros;
        let (n, z, total) = (self.count as f64, zeros as f64, count as f64);
        Self {
            count,
            mean: self.mean * n / total,
            m2: self.m2 + self.mean * self.mean * n * z / total,
        }
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

    /// The sum of the values.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn sum(&self) -> f64 {
        self.mean * self.count as f64
    }

    /// The sample variance (`n − 1` in the denominator); `None` below two values.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn variance(&self) -> Option<f64> {
        (self.count >= 2).then(|| self.m2 / (self.count - 1) as f64)
    }

    /// The variance of the mean itself (`s²/n`); 0 below two values.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub(crate) fn variance_of_mean(&self) -> f64 {
        self.variance().map_or(0.0, |v| v / self.count as f64)
    }

    /// The normal interval of the mean at `confidence`; the mean alone below two values.
    #[must_use]
    pub fn interval(&self, confidence: f64) -> Interval {
        let half = normal_quantile(0.5 + confidence / 2.0) * self.variance_of_mean().sqrt();
        Interval {
            low: self.mean - half,
            high: self.mean + half,
        }
    }

    /// Treatment minus `control` with its normal interval at `confidence` (Welch's standard
    /// error, `√(s₁²/n₁ + s₂²/n₂)`; fine at the hundreds of units per arm a holdout has, rough
    /// below). `None` when either side has fewer than two values.
    #[must_use]
    pub fn minus(&self, control: &Self, confidence: f64) -> Option<MeanDifference> {
        self.variance()?;
        control.variance()?;
        let spread = self.variance_of_mean() + control.variance_of_mean();
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

impl Serialize for Mean {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Mean", 2)?;
        out.serialize_field("n", &self.count)?;
        out.serialize_field("sum", &self.sum())?;
        out.end()
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
    fn the_interval_of_one_mean_matches_the_hand_computation() {
        // 10 sessions, two orders of 50 and 30: mean 8; sample variance
        // (2500 + 900 − 80²/10) / 9 = 306.67; of the mean 30.667; 95 % half 1.96 · 5.538.
        let m = Mean::of([50.0, 30.0]).with_zeros_up_to(10);
        assert_eq!(m.count(), 10);
        assert!((m.mean() - 8.0).abs() < 1e-12);
        assert!((m.variance_of_mean() - 30.666_666).abs() < 1e-5);
        let i = m.interval(0.95);
        assert!((i.low - (8.0 - 10.854)).abs() < 1e-3, "{i:?}");
        assert!((i.high - (8.0 + 10.854)).abs() < 1e-3, "{i:?}");
    }

    #[test]
    fn padding_with_zeros_is_adding_them_one_by_one() {
        let padded = Mean::of([12.0, 0.5, 7.0]).with_zeros_up_to(9);
        let listed = Mean::of([12.0, 0.5, 7.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(padded.count(), listed.count());
        assert!((padded.mean() - listed.mean()).abs() < 1e-12);
        assert!((padded.variance().unwrap() - listed.variance().unwrap()).abs() < 1e-9);
        assert_eq!(Mean::of([3.0]).with_zeros_up_to(1), Mean::of([3.0]));
    }

    #[test]
    fn fewer_than_two_values_give_no_interval() {
        let one = Mean::of([5.0]);
        assert_eq!(one.variance(), None);
        assert_eq!(Mean::of([1.0, 2.0]).minus(&one, 0.95), None);
        assert!(Mean::default().mean().abs() < f64::EPSILON);
        assert!(one.variance_of_mean().abs() < f64::EPSILON);
    }

    #[test]
    fn large_amounts_keep_their_spread() {
        // A naive sum of squares loses these deviations to rounding at 1e9.
        let m = Mean::of([1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0]);
        assert!((m.variance().unwrap() - 30.0).abs() < 1e-6, "{m:?}");
    }

    #[test]
    fn it_serialises_as_units_and_their_sum() {
        let json = serde_json::to_value(Mean::of([2.0, 4.0])).unwrap();
        assert_eq!(json, serde_json::json!({"n": 2, "sum": 6.0}));
    }
}
