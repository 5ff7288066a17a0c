//! Prices, unit costs and stock levels.

use rand::Rng as _;

use crate::model::PriceTier;
use crate::rng::{self, Rng};

/// How a brand tier scales a leaf's mid-market base price.
pub(crate) fn tier_price_factor(tier: PriceTier) -> f64 {
    match tier {
        PriceTier::Budget => 0.55,
        PriceTier::Mid => 1.0,
        PriceTier::Premium => 2.1,
    }
}

/// How a brand tier shifts the unit-cost ratio: premium labels keep more of each dollar.
fn tier_cost_shift(tier: PriceTier) -> f64 {
    match tier {
        PriceTier::Budget => 0.13,
        PriceTier::Mid => 0.0,
        PriceTier::Premium => -0.08,
    }
}

/// A shelf price in cents with retail "charm" endings (7.99, 48.95, 149.00, 145.00).
///
/// A pure function of the amount so that variants at the same price round the same way.
pub(crate) fn charm_cents(dollars: f64) -> i64 {
    let dollars = if dollars.is_finite() {
        dollars.clamp(1.0, 1.0e7)
    } else {
        1.0
    };
    // The clamp above keeps the cast exact and in range.
    let whole = dollars.round() as i64;
    if whole < 10 {
        return whole.max(1) * 100 - 1;
    }
    if whole < 100 {
        return match whole % 5 {
            0 => whole * 100,
            1 | 3 => whole * 100 - 5,
            _ => whole * 100 - 1,
        };
    }
    let fives = (whole + 2) / 5 * 5;
    match fives % 20 {
        0 => (fives - 1) * 100,
        5 | 15 => fives * 100,
        _ => fives * 100 - 1,
    }
}

/// A "was" price for a markdown of `discount` (0.2 = 20% off), always above the price.
pub(crate) fn compare_at_cents(price_cents: i64, discount: f64) -> i64 {
    let was = price_cents_to_dollars(price_cents) / (1.0 - discount.clamp(0.05, 0.7));
    charm_cents(was).max(price_cents + 100)
}

/// Dollars for arithmetic on a cent amount.
pub(crate) fn price_cents_to_dollars(cents: i64) -> f64 {
    // Prices stay far below 2^52 cents, where f64 is exact.
    cents as f64 / 100.0
}

/// The unit cost as a share of price, 25-70%, varying by leaf, tier and brand.
pub(crate) fn cost_ratio(rng: &mut Rng, leaf_ratio: f64, tier: PriceTier, brand_shift: f64) -> f64 {
    let ratio = leaf_ratio + tier_cost_shift(tier) + brand_shift + 0.03 * rng::normal(rng);
    ratio.clamp(0.25, 0.70)
}

/// Unit cost in cents for a price and cost ratio.
pub(crate) fn cost_cents(price_cents: i64, ratio: f64) -> i64 {
    let cost = (price_cents_to_dollars(price_cents) * ratio * 100.0).round() as i64;
    cost.max(1)
}

/// Where a product's (or variant's) stock sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StockState {
    /// Sold out.
    Out,
    /// One to three left.
    Low,
    /// A normal shelf.
    Healthy,
    /// Hundreds: the merchant wants these to move.
    Over,
}

/// A product's stock state: ~8% sold out, ~12% low, ~10% overstocked.
pub(crate) fn stock_state(rng: &mut Rng) -> StockState {
    let u: f64 = rng.random();
    if u < 0.08 {
        StockState::Out
    } else if u < 0.20 {
        StockState::Low
    } else if u < 0.30 {
        StockState::Over
    } else {
        StockState::Healthy
    }
}

/// A variant's state: mostly its product's, sometimes its own (one size sells out first).
pub(crate) fn variant_state(rng: &mut Rng, product: StockState) -> StockState {
    if rng.random_bool(0.8) {
        product
    } else {
        stock_state(rng)
    }
}

/// Units available for a stock state.
pub(crate) fn stock_units(rng: &mut Rng, state: StockState) -> i64 {
    match state {
        StockState::Out => 0,
        StockState::Low => rng.random_range(1..=3),
        StockState::Healthy => rng.random_range(6..=60),
        StockState::Over => rng.random_range(200..=900),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charm_prices_end_like_shelf_prices() {
        assert_eq!(charm_cents(7.4), 699);
        assert_eq!(charm_cents(48.2), 4795);
        assert_eq!(charm_cents(49.0), 4899);
        assert_eq!(charm_cents(45.0), 4500);
        assert_eq!(charm_cents(151.0), 14999);
        assert_eq!(charm_cents(146.0), 14500);
        assert_eq!(charm_cents(161.0), 15900);
        assert_eq!(charm_cents(f64::NAN), 99);
        for d in [3.0, 17.0, 99.0, 120.0, 999.0] {
            let c = charm_cents(d);
            assert!([0, 95, 99].contains(&(c % 100)), "{d} -> {c}");
        }
    }

    #[test]
    fn compare_at_is_above_price() {
        assert!(compare_at_cents(4999, 0.3) > 4999);
        assert!(compare_at_cents(99, 0.05) > 99);
    }
}
