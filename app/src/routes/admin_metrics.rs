//! The admin's discovery dashboard API (session token or demo key: [`AdminShop`]):
//! `GET /admin/api/metrics?days=N` gives the period's charts (server-rendered SVG), a summary
//! per surface and per module, repeat visits, cohort LTV, time to next purchase and the bias checks;
//! `GET /admin/api/metrics.csv?days=N&table=…` each of those tables, the daily rows and the
//! weekly review's metrics as CSV. The rows are the nightly rollups (`docs/METRICS.md`).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{Days, NaiveDate, Utc};
use entity::domain::minor_per_major;
use entity::metric_rollup;
use serde::{Deserialize, Serialize};
use serde_json::json;
use services::rollups::{self, ALL_SURFACES, Totals};

use services::review;

use super::admin_cohorts::Tables;
use super::admin_shop::AdminShop;
use super::charts::{self, Scale, Series};
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// The CSV tables.
const TABLES: [&str; 8] = [
    "summary",
    "modules",
    "daily",
    "retention",
    "cohorts",
    "next_purchase",
    "bias",
    "weekly",
];

/// The longest period the dashboard shows.
const MAX_DAYS: u32 = 365;

/// The period asked for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Days up to and including yesterday (UTC); 28 when absent.
    days: Option<u32>,
    /// CSV only: one of [`TABLES`] (`summary` when absent).
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
    /// The rows of each surface's modules, their surface named `{surface}/{module}`.
    modules: Vec<metric_rollup::Model>,
    major: f64,
}

impl Rolled {
    async fn load(state: &AppState, admin: &AdminShop, period: &Period) -> Result<Self, ApiError> {
        let (from, to) = period.range()?;
        let rows = rollups::read(&state.db.conn, admin.shop.id, from, to).await?;
        let modules = rollups::read_modules(&state.db.conn, admin.shop.id, from, to)
            .await?
            .into_iter()
            .map(|r| metric_rollup::Model {
                surface: format!("{}/{}", r.surface, r.module),
                ..r
            })
            .collect();
        Ok(Self {
            from,
            to,
            rows,
            modules,
            major: minor_per_major(&admin.shop.currency),
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
    let span = (period.from, period.to);
    let tables = Tables::load(&state, &admin.shop, span, &period.rows, period.major).await?;
    let mut charts = charts_of(&period, &summary, &admin.shop.currency);
    charts.extend(
        tables
            .charts(span, &period.rows, &admin.shop.currency)
            .into_iter()
            .map(|(id, title, svg)| chart(&id, &title, svg)),
    );
    Ok(HttpResponse::Ok().json(json!({
        "from": period.from,
        "to": period.to,
        "currency": admin.shop.currency,
        "charts": charts,
        "summary": summary,
        "modules": summaries(&period.modules, period.major),
        "retention": tables.retention,
        "cohorts": tables.cohorts,
        "next_purchase": tables.next_purchase,
        "bias": tables.bias,
        "rolled_up_days": period.rows.iter().filter(|r| r.metric == "sessions").count(),
    })))
}

/// `GET /admin/api/metrics/weekly`: the last complete week against the one before
/// ([`review::weekly`]).
///
/// # Errors
/// 401/403 without a valid session or demo key, 500 when the database fails.
pub async fn weekly(
    state: web::Data<AppState>,
    admin: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let today = Utc::now().date_naive();
    let review = review::weekly(&state.db.conn, admin.shop.id, today, &admin.shop.currency).await?;
    Ok(HttpResponse::Ok().json(review))
}

/// `GET /admin/api/metrics.csv?days=N&table=…` (one of [`TABLES`]).
///
/// # Errors
/// As [`dashboard`], and 400 for an unknown table.
pub async fn csv(
    state: web::Data<AppState>,
    admin: AdminShop,
    query: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    let table = query.table.as_deref().unwrap_or("summary");
    if !TABLES.contains(&table) {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("no table {table:?}: use one of {}", TABLES.join(", ")),
        ));
    }
    let Rolled {
        from,
        to,
        rows,
        modules,
        major,
    } = Rolled::load(&state, &admin, &query).await?;
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let written = match table {
        "summary" => serialize_all(&mut out, summaries(&rows, major)),
        "modules" => serialize_all(&mut out, summaries(&modules, major)),
        "daily" => serialize_all(
            &mut out,
            rows.iter().map(|r| Daily {
                day: r.day,
                surface: &r.surface,
                arm: &r.arm,
                metric: &r.metric,
                value: r.value,
                samples: r.samples,
            }),
        ),
        "weekly" => {
            let review = review::weekly(
                &state.db.conn,
                admin.shop.id,
                Utc::now().date_naive(),
                &admin.shop.currency,
            )
            .await?;
            serialize_all(&mut out, &review.metrics)
        }
        _ => {
            let tables = Tables::load(&state, &admin.shop, (from, to), &rows, major).await?;
            match table {
                "retention" => serialize_all(&mut out, &tables.retention),
                "cohorts" => serialize_all(&mut out, &tables.cohorts),
                "next_purchase" => serialize_all(&mut out, &tables.next_purchase),
                _ => serialize_all(&mut out, &tables.bias),
            }
        }
    };
    attachment(out, written, &format!("meander-{table}-{from}-{to}.csv"))
}

/// The CSV `out` holds as a download named `filename`, once `written` says every record
/// went in.
pub(super) fn attachment(
    out: ::csv::Writer<Vec<u8>>,
    written: Result<(), ::csv::Error>,
    filename: &str,
) -> Result<HttpResponse, ApiError> {
    let body = written
        .map_err(std::io::Error::other)
        .and_then(|()| out.into_inner().map_err(|err| err.into_error()))
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body))
}

/// Writes every item as a CSV record.
pub(super) fn serialize_all<T: Serialize>(
    out: &mut ::csv::Writer<Vec<u8>>,
    items: impl IntoIterator<Item = T>,
) -> Result<(), ::csv::Error> {
    items.into_iter().try_for_each(|item| out.serialize(item))
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
    let totals = Totals::of(rows);
    let mut out: Vec<Summary> = totals
        .surfaces_with("impressions")
        .map(|surface| {
            let total = |name: &str| totals.value(surface, name).unwrap_or(0.0);
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
                catalog_exposure: total("catalog_exposure"),
                click_discovery_rate: total("click_discovery_rate"),
                assisted_orders: total("assisted_orders"),
                assisted_revenue: total("assisted_revenue") / major,
                attributed_revenue: total("attributed_revenue") / major,
            }
        })
        .collect();
    out.sort_by_key(|s| (s.surface != ALL_SURFACES, s.surface.clone()));
    out
}

/// A chart as the admin pages receive it: its id, title and SVG.
pub(super) fn chart(id: &str, title: &str, svg: maud::Markup) -> serde_json::Value {
    json!({ "id": id, "title": title, "svg": svg.into_string() })
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
