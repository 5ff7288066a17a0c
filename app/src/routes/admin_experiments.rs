//! Experiments in the admin API (`AdminShop`: session token or demo key):
//! `GET /admin/api/experiments` (every experiment with its sample size),
//! `POST /admin/api/experiments` (a definition → a draft; 422 naming every bad field, 409 for
//! a name in use), `POST /admin/api/experiments/{id}/start` (409 naming the running
//! experiment it would share traffic with), `POST /admin/api/experiments/{id}/stop`, and
//! `GET /admin/api/experiments/{id}/results` (and `results.csv`: per arm rates with intervals, the sequential
//! decision against the control on CTR, add-to-cart and revenue per session in the shop
//! currency, each arm's problems if its policy no longer validates, charts per arm and day
//! from the nightly rollups, and each arm's customer value at 60, 90 and 180 days).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use entity::domain::{currency_exponent, minor_per_major};
use ranker::stats::{Decision, Sequential};
use serde::Serialize;
use serde_json::{Value, json};
use services::experiments::results::{ArmResult, Comparison, results, sample_size};
use services::experiments::value::customer_value;
use services::experiments::{Definition, Experiment, ExperimentError, store};
use services::rollups::{self, ALL_SURFACES};
use services::settings::FieldError;

use super::admin_metrics::{attachment, chart, serialize_all};
use super::admin_shop::AdminShop;
use super::charts::{self, Scale, Series};
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/api/experiments", web::get().to(list))
        .route("/admin/api/experiments", web::post().to(create))
        .route("/admin/api/experiments/{id}/start", web::post().to(start))
        .route("/admin/api/experiments/{id}/stop", web::post().to(stop))
        .route(
            "/admin/api/experiments/{id}/results",
            web::get().to(show_results),
        )
        .route(
            "/admin/api/experiments/{id}/results.csv",
            web::get().to(results_csv),
        );
}

fn error(err: ExperimentError) -> ApiError {
    let kind = match &err {
        ExperimentError::Invalid(fields) => {
            return ApiError::new(
                ErrorKind::InvalidFields,
                "the experiment is not valid; nothing was changed",
            )
            .with_fields(fields);
        }
        ExperimentError::NotFound(_) => ErrorKind::NotFound,
        ExperimentError::NameTaken(_)
        | ExperimentError::Overlap { .. }
        | ExperimentError::State { .. } => ErrorKind::Conflict,
        ExperimentError::Database(_) => return ApiError::internal(err),
    };
    ApiError::new(kind, err.to_string())
}

fn view(experiment: &Experiment) -> Value {
    json!({
        "experiment": experiment,
        "sample_size_per_arm": sample_size(&experiment.definition.design),
    })
}

/// `GET /admin/api/experiments`.
///
/// # Errors
/// 401/403 without a session or demo key, 500 when the database fails.
pub async fn list(state: web::Data<AppState>, admin: AdminShop) -> Result<HttpResponse, ApiError> {
    let all = store::list(&state.db.conn, admin.shop.id).await?;
    let views: Vec<Value> = all.iter().map(view).collect();
    Ok(HttpResponse::Ok().json(json!({ "experiments": views })))
}

/// `POST /admin/api/experiments`: a draft.
///
/// # Errors
/// 422 naming every bad field (a body that does not parse is one field, `experiment`), 409
/// for a name in use.
pub async fn create(
    state: web::Data<AppState>,
    admin: AdminShop,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let definition: Definition = serde_json::from_value(body.into_inner()).map_err(|err| {
        error(ExperimentError::Invalid(vec![FieldError {
            field: "experiment".into(),
            message: err.to_string(),
        }]))
    })?;
    let created = store::create(&state.db.conn, admin.shop.id, &definition, Utc::now())
        .await
        .map_err(error)?;
    Ok(HttpResponse::Created().json(view(&created)))
}

/// `POST /admin/api/experiments/{id}/start`.
///
/// # Errors
/// 409 naming an overlapping running experiment, or unless it is a draft; 422 when an arm
/// no longer validates; 404.
pub async fn start(
    state: web::Data<AppState>,
    admin: AdminShop,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let started = store::start(conn, admin.shop.id, *path, Utc::now())
        .await
        .map_err(error)?;
    forget_running(&state, admin.shop.id).await?;
    Ok(HttpResponse::Ok().json(view(&started)))
}

/// `POST /admin/api/experiments/{id}/stop`.
///
/// # Errors
/// 409 when it is stopped already; 404.
pub async fn stop(
    state: web::Data<AppState>,
    admin: AdminShop,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let stopped = store::stop(
        conn,
        admin.shop.id,
        *path,
        "stopped by the merchant",
        Utc::now(),
    )
    .await
    .map_err(error)?;
    forget_running(&state, admin.shop.id).await?;
    Ok(HttpResponse::Ok().json(view(&stopped)))
}

/// This process serves a start or stop at once; the others within the running TTL.
async fn forget_running(state: &AppState, shop_id: i64) -> Result<(), ApiError> {
    let model = state.models.get(&state.db.conn, shop_id).await?;
    model.experiments.forget_running();
    Ok(())
}

/// `GET /admin/api/experiments/{id}/results`.
///
/// # Errors
/// 404; 500 when the database fails.
pub async fn show_results(
    state: web::Data<AppState>,
    admin: AdminShop,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let experiment = store::get(conn, admin.shop.id, *path)
        .await
        .map_err(error)?;
    let found = results(conn, admin.shop.id, &experiment).await?;
    let daily = daily_charts(conn, &admin.shop, &experiment).await?;
    let value = customer_value(conn, admin.shop.id, &experiment, Utc::now()).await?;
    let base = state.models.get(conn, admin.shop.id).await?.tuning();
    let problems: Vec<Value> = experiment
        .definition
        .surface()
        .map(|surface| {
            experiment
                .definition
                .arms
                .iter()
                .filter_map(|arm| {
                    let bad = arm.policy.resolve(surface, &base).err()?;
                    Some(json!({ "arm": arm.name, "fields": bad }))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(json!({
        "experiment": experiment,
        "results": found,
        "arm_problems": problems,
        "currency": admin.shop.currency,
        "currency_exponent": currency_exponent(&admin.shop.currency),
        "daily": daily,
        "customer_value": value,
    })))
}

/// One arm's results as a CSV record: counts, rates with their intervals, and against the
/// control each metric's difference, always-valid p-value and decision.
#[derive(Serialize)]
struct ArmRow<'a> {
    arm: &'a str,
    share: u32,
    control: bool,
    stopped: Option<&'a str>,
    shoppers: u64,
    impressions: u64,
    clicked: u64,
    ctr: f64,
    ctr_low: f64,
    ctr_high: f64,
    sessions: u64,
    cart_sessions: u64,
    add_to_cart_rate: f64,
    add_to_cart_low: f64,
    add_to_cart_high: f64,
    revenue_per_session: f64,
    revenue_per_session_low: f64,
    revenue_per_session_high: f64,
    ctr_difference: Option<f64>,
    ctr_p_value: Option<f64>,
    ctr_decision: Option<Decision>,
    add_to_cart_difference: Option<f64>,
    add_to_cart_p_value: Option<f64>,
    add_to_cart_decision: Option<Decision>,
    revenue_difference: Option<f64>,
    revenue_p_value: Option<f64>,
    revenue_decision: Option<Decision>,
}

impl<'a> ArmRow<'a> {
    /// `arm`, money in major units (`major` minor units each).
    fn of(arm: &'a ArmResult, major: f64) -> Self {
        let vs = arm.vs_control.as_ref();
        let look = |pick: fn(&Comparison) -> &Sequential| vs.map(pick);
        let revenue = &arm.revenue_per_session;
        Self {
            arm: &arm.name,
            share: arm.share,
            control: arm.control,
            stopped: arm.stopped.as_ref().map(|s| s.reason.as_str()),
            shoppers: arm.shoppers,
            impressions: arm.ctr.counts.trials,
            clicked: arm.ctr.counts.successes,
            ctr: arm.ctr.rate,
            ctr_low: arm.ctr.interval.low,
            ctr_high: arm.ctr.interval.high,
            sessions: arm.add_to_cart.counts.trials,
            cart_sessions: arm.add_to_cart.counts.successes,
            add_to_cart_rate: arm.add_to_cart.rate,
            add_to_cart_low: arm.add_to_cart.interval.low,
            add_to_cart_high: arm.add_to_cart.interval.high,
            revenue_per_session: revenue.mean / major,
            revenue_per_session_low: revenue.interval.low / major,
            revenue_per_session_high: revenue.interval.high / major,
            ctr_difference: look(|c| &c.ctr).map(|l| l.difference),
            ctr_p_value: look(|c| &c.ctr).map(|l| l.p_value),
            ctr_decision: look(|c| &c.ctr).map(|l| l.decision),
            add_to_cart_difference: look(|c| &c.add_to_cart).map(|l| l.difference),
            add_to_cart_p_value: look(|c| &c.add_to_cart).map(|l| l.p_value),
            add_to_cart_decision: look(|c| &c.add_to_cart).map(|l| l.decision),
            revenue_difference: look(|c| &c.revenue_per_session).map(|l| l.difference / major),
            revenue_p_value: look(|c| &c.revenue_per_session).map(|l| l.p_value),
            revenue_decision: look(|c| &c.revenue_per_session).map(|l| l.decision),
        }
    }
}

/// `GET /admin/api/experiments/{id}/results.csv`: the results table, one row per arm, money
/// in major units of the shop currency.
///
/// # Errors
/// 404; 500 when the database fails.
pub async fn results_csv(
    state: web::Data<AppState>,
    admin: AdminShop,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let experiment = store::get(conn, admin.shop.id, *path)
        .await
        .map_err(error)?;
    let found = results(conn, admin.shop.id, &experiment).await?;
    let major = minor_per_major(&admin.shop.currency);
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let written = serialize_all(
        &mut out,
        found.arms.iter().map(|arm| ArmRow::of(arm, major)),
    );
    attachment(
        out,
        written,
        &format!("meander-experiment-{}.csv", experiment.id),
    )
}

/// Per arm and day, from the nightly rollups since the experiment started: CTR on its
/// surface, the discovery rate and the revenue per session of the sessions each arm served.
async fn daily_charts(
    conn: &sea_orm::DatabaseConnection,
    shop: &entity::shop::Model,
    experiment: &Experiment,
) -> Result<Vec<Value>, ApiError> {
    let today = Utc::now().date_naive();
    let Some(from) = experiment.started_at.map(|at| at.date_naive()) else {
        return Ok(Vec::new());
    };
    let to = experiment.ended_at.map_or(today, |at| at.date_naive());
    let rows = rollups::read_experiment(conn, shop.id, experiment.id, from, to).await?;
    let prefix = rollups::arm_key(experiment.id, "");
    let series = |surface: &str, metric: &str, divide: f64| -> Vec<Series> {
        experiment
            .definition
            .arms
            .iter()
            .map(|arm| {
                let key = format!("{prefix}{}", arm.name);
                Series {
                    label: arm.name.clone(),
                    points: rows
                        .iter()
                        .filter(|r| r.arm == key && r.surface == surface && r.metric == metric)
                        .map(|r| (r.day, r.value / divide))
                        .collect(),
                }
            })
            .collect()
    };
    let major = minor_per_major(&shop.currency);
    // A chart without a point yet is left out: the page says when the rows come.
    let lines = |id: &str, title: &str, series: &[Series], scale: Scale| {
        series
            .iter()
            .any(|s| !s.points.is_empty())
            .then(|| chart(id, title, charts::lines(title, from, to, series, scale)))
    };
    let mut out = Vec::new();
    if let Some(surface) = experiment.definition.surface() {
        let surface = services::surface::name(surface);
        let title = format!("Click-through rate on {surface} per arm");
        let ctr = series(surface, "ctr", 1.0);
        out.extend(lines("arm-ctr", &title, &ctr, Scale::Percent));
    }
    let discovery = series(ALL_SURFACES, "discovery_rate", 1.0);
    out.extend(lines(
        "arm-discovery",
        "Sessions discovering something new, per arm",
        &discovery,
        Scale::Percent,
    ));
    let revenue = series(ALL_SURFACES, "revenue_per_session", major);
    let title = format!("Revenue per session per arm ({})", shop.currency);
    out.extend(lines("arm-revenue", &title, &revenue, Scale::Number));
    Ok(out)
}
