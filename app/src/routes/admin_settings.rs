//! The merchant's settings per surface and the live preview:
//! `GET /admin/api/settings` (every surface's version in force, settings and defaults),
//! `PUT /admin/api/settings/{surface}` (`{"version": edited, "settings": {…}}`: a new version,
//! 409 when another save came first, 422 naming every invalid field; nothing half-saved), and
//! `POST /admin/api/preview` (the lists a request gets under the saved settings and rules
//! and, with a `draft` and/or a `draft_rule`, under the unsaved ones, item by item with
//! score components, policy steps and what each merchant rule did).

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use ranker::MerchantRule;
use ranker::Surface;
use serde::Deserialize;
use serde_json::{Value, json};
use services::settings::{self, Applied, FieldError, SURFACES, SaveError, SurfaceSettings, Tuning};
use services::surface;

use super::admin_rules::{self, DraftRule};
use super::admin_shop::AdminShop;
use crate::error::{ApiError, ErrorKind};
use crate::serving::cache::ShopModel;
use crate::serving::{self, RecRequest, explain, preflight};
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
fn tuned_surface(name: &str) -> Result<Surface, ApiError> {
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
fn document(value: Value) -> Result<SurfaceSettings, ApiError> {
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
    Ok(HttpResponse::Ok().json(json!({
        "surface": surface::name(surface),
        "version": version,
        "settings": edited,
    })))
}

/// A preview request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    /// Surface name.
    pub surface: String,
    /// The product page or cart product.
    #[serde(default)]
    pub product_id: Option<i64>,
    /// A shopper profile: a customer id…
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// … or a browser's anonymous id.
    #[serde(default)]
    pub anonymous_id: Option<String>,
    /// Items per module (default 8).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Unsaved settings of the surface to compare with the saved ones.
    #[serde(default)]
    pub draft: Option<Value>,
    /// An unsaved rule (new, or replacing a saved one) to compare with the saved rules.
    #[serde(default)]
    pub draft_rule: Option<DraftRule>,
}

fn request(shop_id: i64, body: &PreviewBody) -> Result<RecRequest, ApiError> {
    let surface = tuned_surface(&body.surface)?;
    let limit = body.limit.unwrap_or(8);
    if limit == 0 || limit > serving::MAX_LIMIT {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("limit must be between 1 and {}", serving::MAX_LIMIT),
        ));
    }
    Ok(RecRequest {
        shop_id,
        surface,
        product_id: body.product_id,
        cart: Vec::new(),
        session_id: None,
        anonymous_id: body.anonymous_id.clone(),
        customer_id: body.customer_id,
        traffic_source: ranker::TrafficSource::default(),
        modules: None,
        limit,
    })
}

/// The saved tuning with the unsaved settings of `surface` and the unsaved rule, if any.
fn drafted(
    saved: &Tuning,
    surface: Surface,
    draft: Option<Applied>,
    rule: Option<MerchantRule>,
) -> Option<Tuning> {
    if draft.is_none() && rule.is_none() {
        return None;
    }
    let tuning = match draft {
        Some(applied) => saved.with_draft(surface, applied),
        None => saved.clone(),
    };
    Some(match rule {
        Some(rule) => {
            let rules = tuning.rules().with(rule);
            tuning.with_rules(rules)
        }
        None => tuning,
    })
}

/// The saved tuning and, when the body carries a draft or a draft rule, the drafted one.
///
/// # Errors
/// 422 for an invalid draft, 404/422 for a bad draft rule, 500 when storage fails.
async fn saved_and_drafted(
    state: &AppState,
    shop_id: i64,
    surface: Surface,
    draft: Option<Value>,
    draft_rule: Option<DraftRule>,
) -> Result<(Arc<ShopModel>, Arc<Tuning>, Option<Tuning>), ApiError> {
    let draft = match draft {
        Some(value) => Some(
            settings::validate(surface, &document(value)?).map_err(|fields| invalid(&fields))?,
        ),
        None => None,
    };
    let conn = &state.db.conn;
    let draft_rule = match draft_rule {
        Some(rule) => Some(admin_rules::draft(conn, shop_id, rule).await?),
        None => None,
    };
    let model = state.models.get(conn, shop_id).await?;
    let saved = model.tuning();
    let drafted = drafted(&saved, surface, draft, draft_rule);
    Ok((model, saved, drafted))
}

/// `POST /admin/api/preview`.
///
/// # Errors
/// 400/404 for a bad request or product, 422 for an invalid draft, 401/403 without a valid
/// session or demo key.
pub async fn preview(
    state: web::Data<AppState>,
    admin: AdminShop,
    body: web::Json<PreviewBody>,
) -> Result<HttpResponse, ApiError> {
    let request = request(admin.shop.id, &body)?;
    let body = body.into_inner();
    let (model, saved, drafted) = saved_and_drafted(
        &state,
        admin.shop.id,
        request.surface,
        body.draft,
        body.draft_rule,
    )
    .await?;
    let conn = &state.db.conn;
    // One seed for both, so the lists differ only by the settings and rules.
    let seed = uuid::Uuid::new_v4().as_u64_pair().0;
    let current = explain::explain(conn, &model, &request, &saved, seed).await?;
    let drafted = match drafted {
        Some(tuning) => Some(explain::explain(conn, &model, &request, &tuning, seed).await?),
        None => None,
    };
    Ok(HttpResponse::Ok().json(json!({
        "surface": surface::name(request.surface),
        "settings_versions": saved.versions(),
        "current": current,
        "draft": drafted,
    })))
}

/// An off-policy preflight request: the surface and the unsaved change to estimate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreflightBody {
    /// Surface name (`home` or `email`: the surfaces whose answers can be replayed).
    pub surface: String,
    /// Unsaved settings of the surface.
    #[serde(default)]
    pub draft: Option<Value>,
    /// An unsaved rule.
    #[serde(default)]
    pub draft_rule: Option<DraftRule>,
    /// Logged answers to replay (default 500, at most 2,000).
    #[serde(default)]
    pub answers: Option<u64>,
}

/// `POST /admin/api/preflight`: the click rate the saved settings and the draft would get on
/// the surface's logged answers (IPS, SNIPS, doubly robust, effective sample size), next to
/// the live rate. Without a draft both are the saved settings.
///
/// # Errors
/// 400 for a surface that cannot be replayed or a bad count, 404 for a surface without
/// settings, 422 for an invalid draft, 401/403 without a valid session or demo key.
pub async fn preflight(
    state: web::Data<AppState>,
    admin: AdminShop,
    body: web::Json<PreflightBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let surface = tuned_surface(&body.surface)?;
    let answers = body.answers.unwrap_or(preflight::DEFAULT_ANSWERS);
    if answers == 0 || answers > preflight::MAX_ANSWERS {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("answers must be between 1 and {}", preflight::MAX_ANSWERS),
        ));
    }
    let (model, saved, drafted) =
        saved_and_drafted(&state, admin.shop.id, surface, body.draft, body.draft_rule).await?;
    let draft = drafted.as_ref().unwrap_or(&saved);
    let estimate = preflight::preflight(
        &state.db.conn,
        &model,
        admin.shop.id,
        surface,
        (&saved, draft),
        answers,
    )
    .await?;
    Ok(HttpResponse::Ok().json(estimate))
}
