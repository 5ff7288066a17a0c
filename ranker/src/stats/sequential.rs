//! The mixture sequential probability ratio test (mSPRT; Johari, Pekelis and Walsh, "Always
//! valid inference", 2017) for the difference of two rates or two means, with a normal mixture over the
//! effect. Its likelihood ratio Λ is a non-negative martingale under no effect, so the chance
//! it *ever* reaches `1/alpha` is at most `alpha` (Ville's inequality): a merchant may look
//! every day, and stop at the first look that says so, without inflating false wins. The
//! interval it inverts to (a confidence sequence) holds at every look at once too.
//!
//! The rates' variance is the plug-in estimate of each look (normal approximation), so the
//! guarantee is asymptotic; the tests check it by simulation at storefront-sized counts.

use serde::Serialize;

use super::mean::Mean;
use super::proportion::{Interval, Proportion};

/// The test's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequentialTest {
    /// Level: the chance of ever declaring a difference when there is none.
    pub alpha: f64,
    /// Standard deviation of the normal mixture over the effect (absolute rate difference):
    /// the test is most sensitive to effects of about this size. Fix it before the start
    /// (from the baseline rate and the smallest effect worth finding), never from the data.
    pub mixture_sd: f64,
}

/// What the test says at one look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Not enough evidence yet: keep running.
    Continue,
    /// The treatment's rate is higher, with confidence.
    TreatmentBetter,
    /// The treatment's rate is lower, with confidence.
    TreatmentWorse,
}

/// One look: the observed difference, the always-valid interval around it, the likelihood
/// ratio and the decision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sequential {
    /// Treatment rate minus control rate.
    pub difference: f64,
    /// Always-valid interval of the difference (`[-1, 1]` before there is any variance).
    pub interval: Interval,
    /// The mixture likelihood ratio against no difference.
    pub likelihood_ratio: f64,
    /// Always-valid p-value of this look, `min(1, 1/Λ)`.
    pub p_value: f64,
    /// The decision.
    pub decision: Decision,
}

impl Sequential {
    /// True when the treatment is worse than the control by more than `margin` (an absolute
    /// rate difference) with confidence: the whole always-valid interval lies below
    /// `-margin`. Guard rails stop an arm on it at any look without inflating false stops.
    #[must_use]
    pub fn worse_by_more_than(&self, margin: f64) -> bool {
        self.interval.high < -margin
    }
}

impl SequentialTest {
    /// The test at level `alpha` with mixture spread `mixture_sd`.
    #[must_use]
    pub fn new(alpha: f64, mixture_sd: f64) -> Self {
        Self { alpha, mixture_sd }
    }

    /// The look at `control` and `treatment` so far (cumulative counts).
    #[must_use]
    pub fn look(&self, control: Proportion, treatment: Proportion) -> Sequential {
        let difference = treatment.rate() - control.rate();
        let v = control.variance() + treatment.variance();
        let observed = control.trials > 0 && treatment.trials > 0;
        // A rate difference lies in [-1, 1]: the interval before any evidence.
        self.look_at(difference, v, observed, 1.0)
    }

    /// The look at two means (revenue per session) so far: the same test on the difference
    /// of means, `mixture_sd` then being in the amounts' unit. Before any evidence the
    /// interval is unbounded.
    #[must_use]
    pub fn look_means(&self, control: Mean, treatment: Mean) -> Sequential {
        let difference = treatment.mean() - control.mean();
        let v = control.variance_of_mean() + treatment.variance_of_mean();
        let observed = control.count() > 1 && treatment.count() > 1;
        self.look_at(difference, v, observed, f64::INFINITY)
    }

    /// The look at an observed `difference` whose variance is `v`; `bound` is how far the
    /// difference can lie from 0 at all.
    fn look_at(&self, difference: f64, v: f64, observed: bool, bound: f64) -> Sequential {
        let tau2 = self.mixture_sd * self.mixture_sd;
        if v <= 0.0 || !observed || tau2 <= 0.0 {
            // Every observation alike (no click anywhere, say): no evidence either way.
            return Sequential {
                difference,
                interval: Interval {
                    low: -bound,
                    high: bound,
                },
                likelihood_ratio: 1.0,
                p_value: 1.0,
                decision: Decision::Continue,
            };
        }
        let log_lr =
            0.5 * (v / (v + tau2)).ln() + difference * difference * tau2 / (2.0 * v * (v + tau2));
        let likelihood_ratio = log_lr.exp();
        let half = (v * (v + tau2) / tau2
            * (2.0 * (1.0 / self.alpha).ln() + ((v + tau2) / v).ln()))
        .sqrt();
        let decision = if likelihood_ratio < 1.0 / self.alpha {
            Decision::Continue
        } else if difference > 0.0 {
            Decision::TreatmentBetter
        } else {
            Decision::TreatmentWorse
        };
        Sequential {
            difference,
            interval: Interval {
                low: difference - half,
                high: difference + half,
            },
            likelihood_ratio,
            p_value: (1.0 / likelihood_ratio).min(1.0),
            decision,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::stats::normal_quantile;

    const ALPHA: f64 = 0.05;

    #[test]
    fn a_look_matches_the_formula_by_hand() {
        // Control 100/2000 (5 %), treatment 160/2000 (8 %), τ = 0.01: by hand,
        // V = 6.055e-5, Λ = √(V/(V+τ²)) · exp(0.03² τ² / (2V(V+τ²))) = 0.6141 · 102.41 = 62.9.
        let test = SequentialTest::new(ALPHA, 0.01);
        let look = test.look(Proportion::new(100, 2000), Proportion::new(160, 2000));
        assert!((look.likelihood_ratio - 62.9).abs() < 0.1, "{look:?}");
        assert_eq!(look.decision, Decision::TreatmentBetter);
        assert!(look.interval.low > 0.0 && look.interval.high > 0.03);
        assert!((look.p_value - 1.0 / look.likelihood_ratio).abs() < 1e-12);
        // 150/2000 is z = 3.3 for a one-off z-test, but Λ = 17.8 < 1/α: an always-valid test
        // pays for the right to peek with more evidence per decision.
        let weaker = test.look(Proportion::new(100, 2000), Proportion::new(150, 2000));
        assert!((weaker.likelihood_ratio - 17.75).abs() < 0.05, "{weaker:?}");
        assert_eq!(weaker.decision, Decision::Continue);
    }

    #[test]
    fn the_interval_excludes_zero_exactly_when_the_test_decides() {
        let test = SequentialTest::new(ALPHA, 0.01);
        for treated in (60..=160).step_by(5) {
            let look = test.look(Proportion::new(100, 2000), Proportion::new(treated, 2000));
            let excludes = look.interval.low > 0.0 || look.interval.high < 0.0;
            assert_eq!(excludes, look.decision != Decision::Continue, "{look:?}");
        }
    }

    #[test]
    fn a_guard_rail_fires_only_when_the_whole_interval_is_beyond_its_margin() {
        let test = SequentialTest::new(ALPHA, 0.01);
        let control = Proportion::new(500, 10_000);
        let collapsed = test.look(control, Proportion::new(200, 10_000));
        assert!(collapsed.worse_by_more_than(0.01), "{collapsed:?}");
        assert!(!collapsed.worse_by_more_than(0.03), "{collapsed:?}");
        let slightly = test.look(control, Proportion::new(470, 10_000));
        assert!(!slightly.worse_by_more_than(0.01), "{slightly:?}");
    }

    #[test]
    fn a_look_at_means_is_the_same_test_on_their_difference() {
        // Revenue per session: control 2,000 sessions at mean 4.0, treatment at 3.0, with
        // the variances of the two means 0.04 each (V = 0.08) and τ = 0.5 (by hand):
        // Λ = √(0.08/0.33) · exp(1 · 0.25 / (2 · 0.08 · 0.33)) = 0.4924 · 113.84 = 56.05; the
        // always-valid half-width is 0.885, so the interval ends at −0.115.
        let test = SequentialTest::new(ALPHA, 0.5);
        // 2,000 values alternating mean ± √(0.04 · 1999) give a mean's variance of 0.04.
        let arm = |mean: f64| {
            let spread = (0.04 * 1999.0_f64).sqrt();
            Mean::of((0..2000).map(|i| {
                if i % 2 == 0 {
                    mean + spread
                } else {
                    mean - spread
                }
            }))
        };
        let (control, treatment) = (arm(4.0), arm(3.0));
        let look = test.look_means(control, treatment);
        assert!((look.difference + 1.0).abs() < 1e-9, "{look:?}");
        assert!((look.likelihood_ratio - 56.1).abs() < 0.2, "{look:?}");
        assert_eq!(look.decision, Decision::TreatmentWorse);
        assert!(look.worse_by_more_than(0.1), "{look:?}");
        let nothing = Mean::default().with_zeros_up_to(500);
        let alike = test.look_means(nothing, nothing);
        assert_eq!(alike.decision, Decision::Continue);
        assert!(alike.interval.low.is_infinite(), "{alike:?}");
    }

    #[test]
    fn no_clicks_anywhere_is_no_evidence() {
        let look =
            SequentialTest::new(ALPHA, 0.01).look(Proportion::new(0, 500), Proportion::new(0, 500));
        assert_eq!(look.decision, Decision::Continue);
        assert!((look.p_value - 1.0).abs() < f64::EPSILON);
    }

    /// Daily cumulative looks of an A/A test (both arms click at 5 %): the share of runs
    /// that ever declare a winner, under the mSPRT and under a naive z-test peeked daily.
    fn aa_false_positives(runs: usize, days: usize, per_day: u64) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(19);
        let test = SequentialTest::new(ALPHA, 0.01);
        let z = normal_quantile(1.0 - ALPHA / 2.0);
        let (mut sequential, mut naive) = (0_u32, 0_u32);
        for _ in 0..runs {
            let (mut a, mut b, mut n) = (0, 0, 0);
            let (mut seq_hit, mut naive_hit) = (false, false);
            for _ in 0..days {
                n += per_day;
                a += (0..per_day).filter(|_| rng.random_bool(0.05)).count() as u64;
                b += (0..per_day).filter(|_| rng.random_bool(0.05)).count() as u64;
                let (ca, cb) = (Proportion::new(a, n), Proportion::new(b, n));
                let look = test.look(ca, cb);
                seq_hit |= look.decision != Decision::Continue;
                let se = (ca.variance() + cb.variance()).sqrt();
                naive_hit |= se > 0.0 && look.difference.abs() / se > z;
            }
            sequential += u32::from(seq_hit);
            naive += u32::from(naive_hit);
        }
        let share = |hits: u32| f64::from(hits) / runs as f64;
        (share(sequential), share(naive))
    }

    #[test]
    fn daily_peeking_at_an_aa_test_keeps_false_wins_below_alpha() {
        let (sequential, naive) = aa_false_positives(400, 30, 400);
        assert!(
            sequential <= ALPHA,
            "mSPRT false-positive rate {sequential}"
        );
        // The same peeking with a fixed-horizon test wins falsely far more often: the reason
        // the sequential test exists.
        assert!(naive > 2.0 * ALPHA, "naive false-positive rate {naive}");
    }
}
