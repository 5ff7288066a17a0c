//! A period's rolled-up rows summed per surface and metric: counts add up over the days,
//! rates are averaged weighted by their samples (never a plain mean of daily rates).

use std::collections::BTreeMap;

use entity::metric_rollup;

/// Whether `metric` adds up over days (the rest are rates or means).
#[must_use]
pub fn is_count(metric: &str) -> bool {
    matches!(
        metric,
        "impressions"
            | "clicks"
            | "add_to_carts"
            | "sessions"
            | "engaged_sessions"
            | "orders"
            | "revenue"
            | "assisted_orders"
            | "assisted_revenue"
            | "attributed_revenue"
    )
}

/// Per `(surface, metric)`: the summed value (a count's total, a rate's value × samples)
/// and the summed samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    sums: BTreeMap<(String, String), (f64, f64)>,
}

impl Totals {
    /// The totals of `rows`.
    #[must_use]
    pub fn of(rows: &[metric_rollup::Model]) -> Self {
        let mut sums: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
        for r in rows {
            let entry = sums
                .entry((r.surface.clone(), r.metric.clone()))
                .or_default();
            let weight = if is_count(&r.metric) {
                1.0
            } else {
                r.samples as f64
            };
            entry.0 += r.value * weight;
            entry.1 += r.samples as f64;
        }
        Self { sums }
    }

    /// A count's total or a rate's weighted mean over the period; `None` without a row, or
    /// for a rate without samples.
    #[must_use]
    pub fn value(&self, surface: &str, metric: &str) -> Option<f64> {
        let (sum, samples) = self.sums.get(&(surface.to_owned(), metric.to_owned()))?;
        if is_count(metric) {
            Some(*sum)
        } else if *samples > 0.0 {
            Some(sum / samples)
        } else {
            None
        }
    }

    /// The samples behind a metric over the period (0 without a row).
    #[must_use]
    pub fn samples(&self, surface: &str, metric: &str) -> f64 {
        self.sums
            .get(&(surface.to_owned(), metric.to_owned()))
            .map_or(0.0, |(_, n)| *n)
    }

    /// The surfaces that have `metric`, in name order.
    pub fn surfaces_with<'a>(&'a self, metric: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.sums
            .keys()
            .filter(move |(_, m)| m == metric)
            .map(|(surface, _)| surface.as_str())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn row(day: u32, metric: &str, value: f64, samples: i64) -> metric_rollup::Model {
        metric_rollup::Model {
            shop_id: 1,
            day: NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default(),
            surface: "pdp".into(),
            module: "all".into(),
            arm: "all".into(),
            metric: metric.into(),
            value,
            samples,
        }
    }

    #[test]
    fn counts_add_up_and_rates_are_weighted_by_their_samples() {
        let totals = Totals::of(&[
            row(1, "impressions", 10.0, 10),
            row(2, "impressions", 30.0, 30),
            row(1, "ctr", 0.5, 10),
            row(2, "ctr", 0.1, 30),
            row(3, "ctr", 0.0, 0),
        ]);
        assert_eq!(totals.value("pdp", "impressions"), Some(40.0));
        // (0.5·10 + 0.1·30) / 40, not the mean of the daily rates.
        assert_eq!(totals.value("pdp", "ctr"), Some(0.2));
        assert_eq!(totals.samples("pdp", "ctr"), 40.0);
        assert_eq!(totals.value("pdp", "aov"), None);
        assert_eq!(totals.surfaces_with("ctr").collect::<Vec<_>>(), ["pdp"]);
    }
}
