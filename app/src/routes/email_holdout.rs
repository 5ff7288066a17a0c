//! The email holdout compared (`services::email::compare_holdout`), for the admin's Email
//! card: `GET /admin/api/email/holdout` (per arm, profiles, email clicks, orders and revenue
//! since assignment, rates per profile and the intervals of treatment minus holdout, and
//! the same as `rows`) and `GET /admin/api/email/holdout.csv` (the rows).

use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
use entity::klaviyo_account;
use sea_orm::EntityTrait;
use serde_json::json;
use services::email::{self, EmailSettings, HoldoutComparison};

use super::admin_metrics;
use super::admin_shop::AdminShop;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /admin/api/email/holdout`.
///
/// # Errors
/// 401/403 without a valid session or demo key, 500 when the database fails.
pub async fn holdout(
    state: web::Data<AppState>,
    admin: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let comparison = compare(&state, &admin).await?;
    let rows = comparison.rows();
    let mut body = json!(comparison);
    body["rows"] = json!(rows);
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /admin/api/email/holdout.csv`.
///
/// # Errors
/// As [`holdout`].
pub async fn holdout_csv(
    state: web::Data<AppState>,
    admin: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let comparison = compare(&state, &admin).await?;
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let written = admin_metrics::serialize_all(&mut out, comparison.rows());
    let day = Utc::now().date_naive();
    admin_metrics::attachment(out, written, &format!("meander-email-holdout-{day}.csv"))
}

/// The comparison under the shop's email settings (the defaults once disconnected: the
/// push states stay, and so does what they measured).
async fn compare(state: &AppState, admin: &AdminShop) -> Result<HoldoutComparison, ApiError> {
    let conn = &state.db.conn;
    let settings = klaviyo_account::Entity::find_by_id(admin.shop.id)
        .one(conn)
        .await?
        .map(|account| EmailSettings::of(&account))
        .unwrap_or_default();
    let window = Duration::days(state.settings.events.assisted_revenue_days.into());
    Ok(
        email::compare_holdout(conn, admin.shop.id, &settings, &admin.shop.currency, window)
            .await?,
    )
}
