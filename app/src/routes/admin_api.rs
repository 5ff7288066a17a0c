//! The embedded admin's JSON API, behind the session token or the demo key ([`AdminShop`]):
//! `GET /admin/api/recs` previews what a shopper would be shown (without logging an
//! impression), `GET /admin/api/jobs` shows the shop's background jobs with their progress
//! and the versions being served, `GET /admin/api/overview` the onboarding state,
//! `GET /admin/api/shoppers` the recent shoppers the preview can be made for.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use services::recs::lists;

use super::admin_shop::AdminShop;
use crate::error::{ApiError, ErrorKind};
use crate::serving;
use crate::state::AppState;

/// `GET /admin/api/recs?surface=…&product_id=…&limit=…`: the list a shopper would get now.
///
/// # Errors
/// 401/403 without a valid session token or demo key, 400/404 for bad parameters.
pub async fn recs(
    state: web::Data<AppState>,
    session: AdminShop,
    query: web::Query<BTreeMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let request = super::recs::parse(session.shop.id, &query)?;
    let model = state.models.get(&state.db.conn, session.shop.id).await?;
    let response = serving::preview(&state.db.conn, &model, &request).await?;
    Ok(HttpResponse::Ok().json(response))
}

/// `GET /admin/api/jobs`: the latest run of each job (status, progress, outcome) and the
/// pool and list versions being served.
///
/// # Errors
/// 401/403 without a valid session token or demo key, 500 when the database fails.
pub async fn jobs(
    state: web::Data<AppState>,
    session: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let versions = lists::current(conn, session.shop.id).await?;
    let runs = services::runs::latest(conn, session.shop.id).await?;
    let jobs: Vec<_> = runs
        .into_iter()
        .map(|run| {
            // A fraction for the admin's progress bar, when the total is known.
            let progress = run
                .total
                .filter(|total| *total > 0)
                .map(|total| run.done as f64 / total as f64);
            json!({
                "job": run.job,
                "status": run.status,
                "done": run.done,
                "total": run.total,
                "progress": progress,
                "detail": run.detail,
                "error": run.error,
                "started_at": run.started_at,
                "updated_at": run.updated_at,
                "finished_at": run.finished_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "model_version": versions.pools,
        "list_version": versions.lists,
        "jobs": jobs,
    })))
}

/// How many shoppers the preview's picker lists.
#[derive(Debug, Deserialize)]
pub struct ShoppersQuery {
    /// Shoppers (default 20, at most [`MAX_SHOPPERS`]).
    #[serde(default)]
    pub limit: Option<u64>,
}

/// The most shoppers one call lists.
pub const MAX_SHOPPERS: u64 = 100;

/// `GET /admin/api/shoppers?limit=…`: customers and anonymous browsers with recent events,
/// most recently seen first, for the preview's shopper picker.
///
/// # Errors
/// 400 for a limit outside 1 to [`MAX_SHOPPERS`], 401/403 without a valid session token or
/// demo key, 500 when the database fails.
pub async fn shoppers(
    state: web::Data<AppState>,
    session: AdminShop,
    query: web::Query<ShoppersQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=MAX_SHOPPERS).contains(&limit) {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("limit must be between 1 and {MAX_SHOPPERS}"),
        ));
    }
    let now = chrono::Utc::now();
    let shoppers = services::shoppers::recent(&state.db.conn, session.shop.id, limit, now).await?;
    Ok(HttpResponse::Ok().json(json!({ "shoppers": shoppers })))
}

/// The theme app blocks (`extension/meander-recs/blocks/*.liquid`): handle, the template a
/// merchant adds it to, and where in the template.
const BLOCKS: [(&str, &str, &str); 4] = [
    ("product-recommendations", "product", "mainSection"),
    ("complete-the-look", "product", "mainSection"),
    ("cart-recommendations", "cart", "mainSection"),
    ("home-recommendations", "index", "newAppsSection"),
];

/// `GET /admin/api/overview`: catalog counts, sync progress (done, total, rate, time
/// left), web pixel, lists, Klaviyo, the next step, and the theme editor links that add
/// each block.
///
/// # Errors
/// 401/403 without a valid session token or demo key, 500 when the database fails.
pub async fn overview(
    state: web::Data<AppState>,
    session: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let shop = &session.shop;
    let onboarding = services::onboarding::load(conn, shop, chrono::Utc::now()).await?;
    let api_key = &state.settings.shopify.api_key;
    let blocks: Vec<_> = BLOCKS
        .iter()
        .map(|(handle, template, target)| {
            json!({
                "handle": handle,
                "template": template,
                "url": format!(
                    "https://{}/admin/themes/current/editor?template={template}\
                     &addAppBlockId={api_key}/{handle}&target={target}",
                    shop.domain
                ),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "shop": {
            "domain": shop.domain,
            "name": shop.name,
            "demo": shop.is_demo,
            "installed": shop.is_installed(),
            "installed_at": shop.installed_at,
        },
        "onboarding": onboarding,
        "theme_blocks": blocks,
    })))
}
