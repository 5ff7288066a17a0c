//! The mean of a per-unit amount (revenue per session), with its normal interval: the
//! continuous counterpart of [`super::Proportion`].
//!
//! Revenue per session is mostly zeros with a long tail, so the normal approximation needs
//! many sessions before its interval is honest; the sequential test built on it
//! ([`super::SequentialTest::look_means`]) is, like the rates', asymptotic.

use serde::Serialize;

use super::normal::normal_quantile;
use super::proportion::Interval;

/// The count, sum and sum of squares of per-unit amounts: enough for a mean and its
/// variance, and additive, so units with nothing (sessions without an order) cost nothing
/// but the count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Mean {
    /// Units observed (sessions).
    pub n: u64,
    /// Sum of their amounts.
    pub sum: f64,
    /// Sum of their squared amounts.
    #[serde(skip)]
    pub sum_of_squares: f64,
}

impl Mean {
    /// `n` units of which those with a non-zero amount are `amounts`; the others are 0.
    #[must_use]
    pub fn of(n: u64, amounts: impl IntoIterator<Item = f64>) -> Self {
        let (sum, sum_of_squares) = amounts
            .into_iter()
            .fold((0.0, 0.0), |(s, q), x| (s + x, q + x * x));
        Self {
            n,
            sum,
            sum_of_squares,
        }
    }

    /// The observed mean (0 without units).
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum / self.n as f64
        }
    }

    /// The variance of the observed mean: the sample variance (n − 1) over n; 0 below two
    /// units.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub(crate) fn variance(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let n = self.n as f64;
        let sample = (self.sum_of_squares - self.sum * self.sum / n) / (n - 1.0);
        sample.max(0.0) / n
    }

    /// The normal interval of the mean at `confidence`; the mean alone below two units.
    #[must_use]
    pub fn interval(&self, confidence: f64) -> Interval {
        let half = normal_quantile(0.5 + confidence / 2.0) * self.variance().sqrt();
        Interval {
            low: self.mean() - half,
            high: self.mean() + half,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_variance_and_interval_match_the_hand_computation() {
        // 10 sessions, two orders of 50 and 30: mean 8; sample variance
        // (2500 + 900 − 80²/10) / 9 = 306.67; of the mean 30.667; 95 % half 1.96 · 5.538.
        let m = Mean::of(10, [50.0, 30.0]);
        assert!((m.mean() - 8.0).abs() < 1e-12);
        assert!((m.variance() - 30.666_666).abs() < 1e-5);
        let i = m.interval(0.95);
        assert!((i.low - (8.0 - 10.854)).abs() < 1e-3, "{i:?}");
        assert!((i.high - (8.0 + 10.854)).abs() < 1e-3, "{i:?}");
    }

    #[test]
    fn no_units_or_one_unit_has_no_spread() {
        assert!(Mean::of(0, []).mean().abs() < f64::EPSILON);
        let one = Mean::of(1, [12.0]);
        assert!((one.mean() - 12.0).abs() < f64::EPSILON);
        assert!(one.variance().abs() < f64::EPSILON);
    }
}
