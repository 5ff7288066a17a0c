//! The embedded admin's JSON API, behind the session-token check of [`ShopSession`]:
//! `GET /admin/api/recs` previews what a shopper would be shown (without logging an
//! impression), `GET /admin/api/jobs` shows the shop's background jobs with their progress
//! and the versions being served.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde_json::json;
use services::recs::lists;

use super::admin::ShopSession;
use crate::error::ApiError;
use crate::serving;
use crate::state::AppState;

/// `GET /admin/api/recs?surface=…&product_id=…&limit=…`: the list a shopper would get now.
///
/// # Errors
/// 401 without a valid session token, 400/404 for bad parameters.
pub async fn recs(
    state: web::Data<AppState>,
    session: ShopSession,
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
/// 401 without a valid session token, 500 when the database fails.
pub async fn jobs(
    state: web::Data<AppState>,
    session: ShopSession,
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
