//! The merchant's settings per surface:
//! `GET /admin/api/settings` (every surface's version in force, settings and defaults) and
//! `PUT /admin/api/settings/{surface}` (`{"version": edited, "settings": {…}}`: a new version,
//! 409 when another save came first, 422 naming every invalid field; nothing half-saved; a
//! save for email queues the precompute its lists come from).

use actix_web::{HttpResponse, web};
use ranker::Surface;
use serde::Deserialize;
use serde_json::{Value, json};
use services::settings::{self, FieldError, SURFACES, SaveError, SurfaceSettings};
use services::surface;

use super::admin_shop::AdminShop;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// `GET /admin/api/settings`.
///
/// # Errors
/// 401/403 without a valid session or demo key, 500 when the database fails.
pub async fn list(state: web::Data<AppState>, admin: AdminShop) -> Result<HttpResponse, ApiError> {
    let current = settings::store::current(&state.db.conn, admin.shop.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "surfaces": current })))
}

/// A save: the version the merchant edited and the edited document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveBody {
    /// The version the edit started from (0: the defaults).
    pub version: i64,
    /// The whole document (checked field by field).
    pub settings: Value,
}

/// A tuned surface by its API name.
pub(super) fn tuned_surface(name: &str) -> Result<Surface, ApiError> {
    surface::parse(name)
        .filter(|s| SURFACES.contains(s))
        .ok_or_else(|| {
            ApiError::new(
                ErrorKind::NotFound,
                format!("`{name}` has no settings (home, pdp, cart, email, search)"),
            )
        })
}

/// Reads a settings document; a document that does not parse is one field error.
pub(super) fn document(value: Value) -> Result<SurfaceSettings, ApiError> {
    serde_json::from_value(value).map_err(|err| {
        invalid(&[FieldError {
            field: "settings".into(),
            message: err.to_string(),
        }])
    })
}

/// 422 naming every invalid field; nothing was saved.
pub(super) fn invalid(fields: &[FieldError]) -> ApiError {
    ApiError::new(
        ErrorKind::InvalidFields,
        "some settings are not valid; nothing was saved",
    )
    .with_fields(&fields)
}

/// `PUT /admin/api/settings/{surface}`.
///
/// # Errors
/// 404 for a surface without settings, 422 with every invalid field, 409 for a stale
/// version, 401/403 without a valid session or demo key.
pub async fn save(
    state: web::Data<AppState>,
    admin: AdminShop,
    path: web::Path<String>,
    body: web::Json<SaveBody>,
) -> Result<HttpResponse, ApiError> {
    let surface = tuned_surface(&path)?;
    let body = body.into_inner();
    let edited = document(body.settings)?;
    let conn = &state.db.conn;
    let shop_id = admin.shop.id;
    let version =
        settings::store::save(conn, shop_id, surface, body.version, &edited, &admin.actor)
            .await
            .map_err(|err| match err {
                SaveError::Invalid(fields) => invalid(&fields),
                SaveError::Stale { current, edited } => ApiError::new(
                    ErrorKind::Conflict,
                    format!(
                        "these settings were changed meanwhile (you edited version {edited}, the \
                     current version is {current}); reload them and apply your change again"
                    ),
                ),
                SaveError::Database(err) => err.into(),
            })?;
    // This process serves the change at once; the others notice it at their next recheck.
    state.models.recheck_now(conn, admin.shop.id).await?;
    // Email's lists are precomputed: they follow once the precompute runs again.
    if surface == Surface::Email {
        worker::enqueue::lists_after_tuning_change(&state.jobs, shop_id).await;
    }
    Ok(HttpResponse::Ok().json(json!({
        "surface": surface::name(surface),
        "version": version,
        "settings": edited,
    })))
}
