//! Features derived from the synced catalog: margin, inventory health, days of cover.
//!
//! Pure functions over plain numbers so the rules are tested exhaustively and shared by the
//! batch jobs and the serving path.

/// Units sold per day below which stock counts as not moving.
const STILL_VELOCITY: f64 = 1.0 / 90.0;
/// Stock at or below this is low whatever the velocity (a size run is nearly gone).
const LOW_UNITS: i64 = 3;
/// Days of cover under which stock is low.
const LOW_COVER_DAYS: f64 = 14.0;
/// Days of cover above which stock is overstock.
const OVERSTOCK_COVER_DAYS: f64 = 120.0;
/// Without sales, this many units is overstock.
const OVERSTOCK_UNITS_WITHOUT_SALES: i64 = 100;

/// Gross margin of a price given its unit cost: `(price − cost) / price`, clamped to
/// `[-1, 1]`. `None` when the cost is unknown (unknown is not zero: a zero cost would claim a
/// 100 % margin) or the price is not positive.
#[must_use]
pub fn margin(price_minor: i64, unit_cost_minor: Option<i64>) -> Option<f64> {
    let cost = unit_cost_minor?;
    if price_minor <= 0 || cost < 0 {
        return None;
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "prices are far below 2^52 minor units"
    )]
    let (price, cost) = (price_minor as f64, cost as f64);
    Some(((price - cost) / price).clamp(-1.0, 1.0))
}

/// How stock compares with how fast it sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InventoryHealth {
    /// Nothing to sell.
    Out,
    /// Will sell out soon: do not push it.
    Low,
    /// Normal.
    Healthy,
    /// Far more than sales will clear: worth surfacing.
    Overstock,
}

impl InventoryHealth {
    /// Classifies `available` units given `units_per_day` sold recently.
    #[must_use]
    pub fn classify(available: i64, units_per_day: f64) -> Self {
        if available <= 0 {
            return Self::Out;
        }
        if available <= LOW_UNITS {
            return Self::Low;
        }
        match days_of_cover(available, units_per_day) {
            Some(days) if days < LOW_COVER_DAYS => Self::Low,
            Some(days) if days > OVERSTOCK_COVER_DAYS => Self::Overstock,
            Some(_) => Self::Healthy,
            None if available >= OVERSTOCK_UNITS_WITHOUT_SALES => Self::Overstock,
            None => Self::Healthy,
        }
    }

    /// The ranker's inventory-health feature in `[0, 1]`: surfacing overstock helps the
    /// merchant most, low stock least (it is about to sell out anyway).
    #[must_use]
    pub fn score(self) -> f32 {
        match self {
            Self::Out => 0.0,
            Self::Low => 0.25,
            Self::Healthy => 0.7,
            Self::Overstock => 1.0,
        }
    }

    /// Stored and displayed name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Out => "out",
            Self::Low => "low",
            Self::Healthy => "healthy",
            Self::Overstock => "overstock",
        }
    }
}

/// Days until `available` units sell out at `units_per_day`; `None` when it barely sells.
#[must_use]
pub fn days_of_cover(available: i64, units_per_day: f64) -> Option<f64> {
    if !units_per_day.is_finite() || units_per_day < STILL_VELOCITY {
        return None;
    }
    #[expect(clippy::cast_precision_loss, reason = "stock counts are small")]
    Some(available.max(0) as f64 / units_per_day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn margin_needs_a_known_cost() {
        assert_eq!(margin(10_000, Some(4_000)), Some(0.6));
        assert_eq!(margin(10_000, None), None);
        assert_eq!(margin(0, Some(10)), None);
        assert_eq!(margin(1_000, Some(5_000)), Some(-1.0));
    }

    #[test]
    fn stock_is_classified_against_sales_velocity() {
        assert_eq!(InventoryHealth::classify(0, 5.0), InventoryHealth::Out);
        assert_eq!(InventoryHealth::classify(2, 0.0), InventoryHealth::Low);
        assert_eq!(InventoryHealth::classify(20, 2.0), InventoryHealth::Low);
        assert_eq!(InventoryHealth::classify(60, 2.0), InventoryHealth::Healthy);
        assert_eq!(
            InventoryHealth::classify(500, 2.0),
            InventoryHealth::Overstock
        );
        assert_eq!(
            InventoryHealth::classify(150, 0.0),
            InventoryHealth::Overstock
        );
        assert_eq!(InventoryHealth::classify(40, 0.0), InventoryHealth::Healthy);
    }

    proptest! {
        #[test]
        fn margins_stay_in_range(price in -10_i64..1_000_000, cost in proptest::option::of(-10_i64..2_000_000)) {
            if let Some(m) = margin(price, cost) {
                prop_assert!((-1.0..=1.0).contains(&m));
            }
        }

        #[test]
        fn health_scores_are_features(available in -5_i64..10_000, velocity in -1.0_f64..100.0) {
            let score = InventoryHealth::classify(available, velocity).score();
            prop_assert!((0.0..=1.0).contains(&score));
            prop_assert_eq!(score == 0.0, available <= 0);
        }
    }
}
