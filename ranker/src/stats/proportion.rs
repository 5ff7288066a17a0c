//! A rate (clicks per impression, add-to-carts per session) with its Wilson interval.

use serde::Serialize;

use super::normal::normal_quantile;

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// `successes` out of `trials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Proportion {
    /// Outcomes that happened (clicks).
    pub successes: u64,
    /// Chances (impressions).
    pub trials: u64,
}

impl Proportion {
    /// `successes` out of `trials`; successes beyond `trials` are capped (a count race
    /// between two reads must not produce a rate above 1).
    #[must_use]
    pub fn new(successes: u64, trials: u64) -> Self {
        Self {
            successes: successes.min(trials),
            trials,
        }
    }

    /// The observed rate (0 without trials).
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn rate(&self) -> f64 {
        if self.trials == 0 {
            0.0
        } else {
            self.successes as f64 / self.trials as f64
        }
    }

    /// The Wilson score interval at `confidence` (e.g. 0.95); `[0, 1]` without trials. Unlike
    /// the normal (Wald) interval it stays inside `[0, 1]` and is sane at rates near 0, which
    /// is where click rates live.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn wilson(&self, confidence: f64) -> Interval {
        if self.trials == 0 {
            return Interval {
                low: 0.0,
                high: 1.0,
            };
        }
        let z = normal_quantile(0.5 + confidence / 2.0);
        let n = self.trials as f64;
        let p = self.rate();
        let z2 = z * z;
        let centre = p + z2 / (2.0 * n);
        let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        let scale = 1.0 + z2 / n;
        Interval {
            low: ((centre - spread) / scale).max(0.0),
            high: ((centre + spread) / scale).min(1.0),
        }
    }

    /// The variance of the observed rate (plug-in).
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub(crate) fn variance(&self) -> f64 {
        if self.trials == 0 {
            return 0.0;
        }
        let p = self.rate();
        p * (1.0 - p) / self.trials as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wilson_interval_of_half_of_a_hundred_is_the_textbook_one() {
        let i = Proportion::new(50, 100).wilson(0.95);
        assert!((i.low - 0.403_8).abs() < 1e-4, "{i:?}");
        assert!((i.high - 0.596_2).abs() < 1e-4, "{i:?}");
    }

    #[test]
    fn no_successes_still_has_an_upper_bound_and_no_trials_says_nothing() {
        let none = Proportion::new(0, 100).wilson(0.95);
        assert!(none.low.abs() < 1e-12);
        assert!((none.high - 0.036_99).abs() < 1e-4, "{none:?}");
        assert_eq!(
            Proportion::new(0, 0).wilson(0.95),
            Interval {
                low: 0.0,
                high: 1.0
            }
        );
        assert_eq!(Proportion::new(7, 3).rate(), 1.0);
    }
}
