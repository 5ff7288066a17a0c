//! How many trials each arm needs before a fixed-horizon test can see an effect.

use super::normal::normal_quantile;

/// Trials per arm for a two-sided test at level `alpha` with `power` to detect a rate moving
/// from `baseline` to `baseline · (1 + relative_effect)` (the pooled-variance formula of the
/// usual two-proportion z-test); `None` when the inputs make no sense (a rate outside
/// `(0, 1)`, no effect, `alpha` or `power` outside `(0, 1)`).
///
/// The sequential test needs somewhat more on average when there is no effect, and stops
/// earlier when the effect is larger: this is the merchant's order of magnitude, not a
/// stopping rule.
#[must_use]
pub fn sample_size_per_arm(
    baseline: f64,
    relative_effect: f64,
    alpha: f64,
    power: f64,
) -> Option<u64> {
    let treated = baseline * (1.0 + relative_effect);
    let unit = |x: f64| x > 0.0 && x < 1.0;
    if !(unit(baseline) && unit(treated) && unit(alpha) && unit(power)) || relative_effect == 0.0 {
        return None;
    }
    let z_alpha = normal_quantile(1.0 - alpha / 2.0);
    let z_power = normal_quantile(power);
    let pooled = f64::midpoint(baseline, treated);
    let null_sd = (2.0 * pooled * (1.0 - pooled)).sqrt();
    let alt_sd = (baseline * (1.0 - baseline) + treated * (1.0 - treated)).sqrt();
    let n = ((z_alpha * null_sd + z_power * alt_sd) / (treated - baseline)).powi(2);
    // A finite positive float: the cast cannot wrap.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "see above"
    )]
    let n = n.ceil() as u64;
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_to_twelve_percent_needs_the_textbook_3841_per_arm() {
        assert_eq!(sample_size_per_arm(0.10, 0.20, 0.05, 0.8), Some(3841));
    }

    #[test]
    fn smaller_effects_and_rarer_clicks_need_more() {
        let base = sample_size_per_arm(0.05, 0.10, 0.05, 0.8).unwrap_or(0);
        assert!(sample_size_per_arm(0.05, 0.05, 0.05, 0.8).unwrap_or(0) > 3 * base);
        assert!(sample_size_per_arm(0.02, 0.10, 0.05, 0.8).unwrap_or(0) > 2 * base);
        assert_eq!(sample_size_per_arm(0.05, 0.0, 0.05, 0.8), None);
        assert_eq!(sample_size_per_arm(0.6, 1.0, 0.05, 0.8), None);
    }
}
