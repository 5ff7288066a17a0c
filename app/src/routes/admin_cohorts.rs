//! The discovery dashboard's retention, cohort and bias tables and their charts: repeat
//! visits from the rollups, cohort LTV and time to next purchase computed from the orders,
//! exposure by brand and price band against catalog and sales (`docs/METRICS.md`). Money is
//! in major units of the shop currency.

use chrono::{NaiveDate, Utc};
use entity::metric_rollup;
use serde::{Serialize, Serializer};
use services::rollups::bias::{self, GroupShare};
use services::rollups::cohorts::{self, CohortLtv, NextPurchase};
use services::rollups::{ALL_SURFACES, REPEAT_WINDOWS, Totals};

use super::charts::{self, Scale, Series};
use crate::error::ApiError;
use crate::state::AppState;

/// One first-order month's LTV per window, `incomplete` while the cohort is too young.
#[derive(Debug, Serialize)]
pub(super) struct Cohort {
    month: String,
    customers: i64,
    #[serde(serialize_with = "or_incomplete")]
    ltv_60d: Option<f64>,
    #[serde(serialize_with = "or_incomplete")]
    ltv_90d: Option<f64>,
    #[serde(serialize_with = "or_incomplete")]
    ltv_180d: Option<f64>,
}

/// A value rounded to cents, or the word `incomplete` (never a silent zero).
fn or_incomplete<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_f64((v * 100.0).round() / 100.0),
        None => s.serialize_str("incomplete"),
    }
}

impl Cohort {
    fn of(c: &CohortLtv, major: f64) -> Self {
        let at = |days: u32| {
            c.ltv
                .iter()
                .find(|p| p.days == days)
                .and_then(|p| p.value_minor)
                .map(|v| v / major)
        };
        Self {
            month: c.month.clone(),
            customers: c.customers,
            ltv_60d: at(60),
            ltv_90d: at(90),
            ltv_180d: at(180),
        }
    }
}

/// One repeat-visit window over the period.
#[derive(Debug, Serialize)]
pub(super) struct Repeat {
    window_days: u32,
    /// Shoppers seen on the period's days whose window has passed.
    shoppers: f64,
    /// Their share who came back within the window (`None`: no such day yet).
    share: Option<f64>,
}

/// The period's retention, cohort and bias tables.
#[derive(Debug, Serialize)]
pub(super) struct Tables {
    pub retention: Vec<Repeat>,
    pub cohorts: Vec<Cohort>,
    pub next_purchase: Vec<NextPurchase>,
    pub bias: Vec<GroupShare>,
}

impl Tables {
    /// The tables of the shop's period `from..=to`, given its rolled-up rows.
    pub(super) async fn load(
        state: &AppState,
        shop: &entity::shop::Model,
        (from, to): (NaiveDate, NaiveDate),
        rows: &[metric_rollup::Model],
        major: f64,
    ) -> Result<Self, ApiError> {
        let conn = &state.db.conn;
        let purchases = cohorts::purchases(conn, shop.id).await?;
        let exponent = entity::domain::currency_exponent(&shop.currency);
        let totals = Totals::of(rows);
        Ok(Self {
            retention: REPEAT_WINDOWS
                .iter()
                .map(|(days, metric)| Repeat {
                    window_days: *days,
                    shoppers: totals.samples(ALL_SURFACES, metric),
                    share: totals.value(ALL_SURFACES, metric),
                })
                .collect(),
            cohorts: cohorts::ltv(&purchases, Utc::now().date_naive())
                .iter()
                .map(|c| Cohort::of(c, major))
                .collect(),
            next_purchase: cohorts::next_purchase(&purchases),
            bias: bias::check(conn, shop.id, from, to, exponent).await?,
        })
    }

    /// The charts of the tables: daily repeat visits, LTV by complete cohort, median days
    /// to the next purchase.
    pub(super) fn charts(
        &self,
        (from, to): (NaiveDate, NaiveDate),
        rows: &[metric_rollup::Model],
        currency: &str,
    ) -> Vec<(String, String, maud::Markup)> {
        let repeat: Vec<Series> = REPEAT_WINDOWS
            .iter()
            .map(|(days, metric)| Series {
                label: format!("within {days} days"),
                points: rows
                    .iter()
                    .filter(|r| r.surface == ALL_SURFACES && r.metric == *metric)
                    .map(|r| (r.day, r.value))
                    .collect(),
            })
            .collect();
        let ltv: Vec<(String, f64)> = self
            .cohorts
            .iter()
            .filter_map(|c| Some((c.month.clone(), c.ltv_90d?)))
            .collect();
        let gaps: Vec<(String, f64)> = self
            .next_purchase
            .iter()
            .map(|n| (n.month.clone(), n.median_days))
            .collect();
        let repeat_title = "Shoppers coming back, by the day first seen";
        let ltv_title = format!(
            "Revenue per customer within 90 days, by first-order month ({currency}; complete cohorts)"
        );
        let gaps_title = "Median days to the next purchase, by month of the order";
        vec![
            (
                "repeat_visits".to_owned(),
                repeat_title.to_owned(),
                charts::lines(repeat_title, from, to, &repeat, Scale::Percent),
            ),
            (
                "cohort_ltv".to_owned(),
                ltv_title.clone(),
                charts::bars(&ltv_title, &ltv, Scale::Number),
            ),
            (
                "next_purchase".to_owned(),
                gaps_title.to_owned(),
                charts::bars(gaps_title, &gaps, Scale::Number),
            ),
        ]
    }
}
