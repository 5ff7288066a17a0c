//! The admin's discovery dashboard API (session token or demo key: [`AdminShop`]):
//! `GET /admin/api/metrics?days=N` gives the period's charts (server-rendered SVG), a summary
//! per surface and the daily rows; `GET /admin/api/metrics.csv?days=N&table=summary|daily`
//! the same tables as CSV. The rows are the nightly rollups (`docs/METRICS.md`).

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{Days, NaiveDate, Utc};
use entity::domain::currency_exponent;
use entity::metric_rollup;
use serde::{Deserialize, Serialize};
use serde_json::json;
use services::rollups::{self, ALL_SURFACES};

use super::admin_shop::AdminShop;
use super::charts::{self, Scale, Series};
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// The longest period the dashboard shows.
const MAX_DAYS: u32 = 365;

/// The period asked for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Days up to and including yesterday (UTC); 28 when absent.
    days: Option<u32>,
    /// CSV only: `summary` (default) or `daily`.
    table: Option<String>,
}

impl Period {
    /// `(from, to)`, inclusive.
    fn range(&self) -> Result<(NaiveDate, NaiveDate), ApiError> {
        let days = self.days.unwrap_or(28);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(ApiError::new(
                ErrorKind::BadRequest,
                format!("days must be 1 to {MAX_DAYS}"),
            ));
        }
        let today = Utc::now().date_naive();
        let to = today.pred_opt().unwrap_or(today);
        let from = to
            .checked_sub_days(Days::new(u64::from(days - 1)))
            .unwrap_or(to);
        Ok((from, to))
    }
}

/// A surface's totals over the period.
#[derive(Debug, Default, Serialize, PartialEq)]
struct Summary {
    surface: String,
    impressions: f64,
    clicks: f64,
    ctr: f64,
    add_to_cart_rate: f64,
    catalog_exposure: f64,
    click_discovery_rate: f64,
    assisted_orders: f64,
    assisted_revenue: f64,
    attributed_revenue: f64,
}

/// The rolled-up rows of the period asked for, with the shop currency's minor units per
/// major unit (the rollups store minor units, the dashboard shows major ones).
struct Rolled {
    from: NaiveDate,
    to: NaiveDate,
    rows: Vec<metric_rollup::Model>,
    major: f64,
}

impl Rolled {
    async fn load(state: &AppState, admin: &AdminShop, period: &Period) -> Result<Self, ApiError> {
        let (from, to) = period.range()?;
        let rows = rollups::read(&state.db.conn, admin.shop.id, from, to).await?;
        let exponent = currency_exponent(&admin.shop.currency);
        Ok(Self {
            from,
            to,
            rows,
            major: 10_f64.powi(i32::try_from(exponent).unwrap_or(2)),
        })
    }
}

/// `GET /admin/api/metrics?days=N`.
///
/// # Errors
/// 400 for a bad period, 401/403 without a valid session or demo key, 500 when the
/// database fails.
pub async fn dashboard(
    state: web::Data<AppState>,
    admin: AdminShop,
    query: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    let period = Rolled::load(&state, &admin, &query).await?;
    let summary = summaries(&period.rows, period.major);
    let charts = charts_of(&period, &summary, &admin.shop.currency);
    Ok(HttpResponse::Ok().json(json!({
        "from": period.from,
        "to": period.to,
        "currency": admin.shop.currency,
        "charts": charts,
        "summary": summary,
        "rolled_up_days": period.rows.iter().filter(|r| r.metric == "sessions").count(),
    })))
}

/// `GET /admin/api/metrics.csv?days=N&table=summary|daily`.
///
/// # Errors
/// As [`dashboard`], and 400 for an unknown table.
pub async fn csv(
    state: web::Data<AppState>,
    admin: AdminShop,
    query: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    let Rolled {
        from,
        to,
        rows,
        major,
    } = Rolled::load(&state, &admin, &query).await?;
    let table = query.table.as_deref().unwrap_or("summary");
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let written = match table {
        "summary" => summaries(&rows, major)
            .iter()
            .try_for_each(|s| out.serialize(s)),
        "daily" => rows.iter().try_for_each(|r| {
            out.serialize(Daily {
                day: r.day,
                surface: &r.surface,
                arm: &r.arm,
                metric: &r.metric,
                value: r.value,
                samples: r.samples,
            })
        }),
        other => {
            return Err(ApiError::new(
                ErrorKind::BadRequest,
                format!("no table {other:?}: use summary or daily"),
            ));
        }
    };
    let body = written
        .map_err(std::io::Error::other)
        .and_then(|()| out.into_inner().map_err(|err| err.into_error()))
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"meander-{table}-{from}-{to}.csv\""),
        ))
        .body(body))
}

/// One daily row of the CSV.
#[derive(Serialize)]
struct Daily<'a> {
    day: NaiveDate,
    surface: &'a str,
    arm: &'a str,
    metric: &'a str,
    value: f64,
    samples: i64,
}

/// The period's totals per surface, the storefront-wide row first; rates are recomputed from
/// the summed counts (or weighted by samples), never averaged over days.
fn summaries(rows: &[metric_rollup::Model], major: f64) -> Vec<Summary> {
    let mut sums: BTreeMap<&str, BTreeMap<&str, (f64, f64)>> = BTreeMap::new();
    for r in rows {
        let entry = sums
            .entry(r.surface.as_str())
            .or_default()
            .entry(r.metric.as_str())
            .or_default();
        entry.0 += r.value
            * if is_count(&r.metric) {
                1.0
            } else {
                r.samples as f64
            };
        entry.1 += r.samples as f64;
    }
    let mut out: Vec<Summary> = sums
        .into_iter()
        .filter(|(_, m)| m.contains_key("impressions"))
        .map(|(surface, m)| {
            let total = |name: &str| m.get(name).map_or(0.0, |(v, _)| *v);
            let mean = |name: &str| {
                m.get(name)
                    .map_or(0.0, |(v, n)| if *n > 0.0 { v / n } else { 0.0 })
            };
            let impressions = total("impressions");
            let per_impression = |n: f64| {
                if impressions > 0.0 {
                    n / impressions
                } else {
                    0.0
                }
            };
            Summary {
                surface: surface.to_owned(),
                impressions,
                clicks: total("clicks"),
                ctr: per_impression(total("clicks")),
                add_to_cart_rate: per_impression(total("add_to_carts")),
                catalog_exposure: mean("catalog_exposure"),
                click_discovery_rate: mean("click_discovery_rate"),
                assisted_orders: total("assisted_orders"),
                assisted_revenue: total("assisted_revenue") / major,
                attributed_revenue: total("attributed_revenue") / major,
            }
        })
        .collect();
    out.sort_by_key(|s| (s.surface != ALL_SURFACES, s.surface.clone()));
    out
}

/// Metrics that add up over days (the rest are rates, averaged weighted by their samples).
fn is_count(metric: &str) -> bool {
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

/// The dashboard's charts, each drawn with its title.
fn charts_of(period: &Rolled, summary: &[Summary], currency: &str) -> Vec<serde_json::Value> {
    let series = |surface: &str, metric: &str, label: &str, divide: f64| Series {
        label: label.to_owned(),
        points: period
            .rows
            .iter()
            .filter(|r| r.metric == metric && r.surface == surface)
            .map(|r| (r.day, r.value / divide))
            .collect(),
    };
    let chart = |id: &str, title: &str, svg: maud::Markup| json!({ "id": id, "title": title, "svg": svg.into_string() });
    let lines = |id: &str, title: &str, series: &[Series], scale: Scale| {
        chart(
            id,
            title,
            charts::lines(title, period.from, period.to, series, scale),
        )
    };
    let mut surfaces: Vec<&str> = period
        .rows
        .iter()
        .filter(|r| r.metric == "ctr" && r.surface != ALL_SURFACES)
        .map(|r| r.surface.as_str())
        .collect();
    surfaces.sort_unstable();
    surfaces.dedup();
    let ctr: Vec<Series> = surfaces.iter().map(|s| series(s, "ctr", s, 1.0)).collect();
    let all = ALL_SURFACES;
    let assisted: Vec<(String, f64)> = summary
        .iter()
        .filter(|s| s.surface != ALL_SURFACES)
        .map(|s| (s.surface.clone(), s.assisted_revenue))
        .collect();
    let assisted_title = format!("Assisted revenue by surface ({currency})");
    vec![
        lines("ctr", "Click-through rate by surface", &ctr, Scale::Percent),
        lines(
            "discovery",
            "Sessions discovering something new",
            &[
                series(all, "discovery_rate", "product or category", 1.0),
                series(all, "category_discovery_rate", "category", 1.0),
            ],
            Scale::Percent,
        ),
        lines(
            "exposure",
            "Catalog exposure",
            &[
                series(all, "catalog_exposure", "share shown", 1.0),
                series(all, "exposure_gini", "Gini (0 = even)", 1.0),
            ],
            Scale::Percent,
        ),
        lines(
            "revenue",
            &format!("Revenue per session and AOV ({currency})"),
            &[
                series(all, "revenue_per_session", "per session", period.major),
                series(all, "aov", "AOV", period.major),
            ],
            Scale::Number,
        ),
        chart(
            "assisted",
            &assisted_title,
            charts::bars(&assisted_title, &assisted, Scale::Number),
        ),
    ]
}
