//! The live preview and the off-policy preflight:
//! `POST /admin/api/preview` (the lists a request, for a product or a shopper, gets under
//! the saved settings and rules and, with a `draft` and/or a `draft_rule`, under the unsaved
//! ones, item by item with score components, policy steps, what each merchant rule did and
//! which rules do nothing) and `POST /admin/api/preflight` (the draft's click rate estimated
//! on the surface's logged answers).

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpResponse, web};
use ranker::{MerchantRule, Surface};
use serde::Deserialize;
use serde_json::{Value, json};
use services::rules::{self, RuleWarning};
use services::settings::{self, Applied, Tuning};
use services::surface;

use super::admin_rules::{self, DraftRule};
use super::admin_settings::{document, invalid, tuned_surface};
use super::admin_shop::AdminShop;
use crate::error::{ApiError, ErrorKind};
use crate::serving::cache::ShopModel;
use crate::serving::{self, RecRequest, explain, preflight};
use crate::state::AppState;

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

/// The saved tuning and, when a request carries a draft or a draft rule, the drafted one.
struct Compared {
    model: Arc<ShopModel>,
    saved: Arc<Tuning>,
    drafted: Option<Tuning>,
    /// Why the draft rule would do nothing, if it would, with the id it is previewed as.
    rule_warning: Option<(i64, RuleWarning)>,
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
) -> Result<Compared, ApiError> {
    let draft = match draft {
        Some(value) => Some(
            settings::validate(surface, &document(value)?).map_err(|fields| invalid(&fields))?,
        ),
        None => None,
    };
    let conn = &state.db.conn;
    let (draft_rule, rule_warning) = match draft_rule {
        Some(rule) => {
            let (rule, warning) = admin_rules::draft(conn, shop_id, rule).await?;
            let warning = warning.map(|w| (rule.id, w));
            (Some(rule), warning)
        }
        None => (None, None),
    };
    let model = state.models.get(conn, shop_id).await?;
    let saved = model.tuning();
    let drafted = drafted(&saved, surface, draft, draft_rule);
    Ok(Compared {
        model,
        saved,
        drafted,
        rule_warning,
    })
}

/// Why each saved rule matches no product, by id, for the preview's notes; with the draft
/// rule's reason in place of the saved rule it replaces.
async fn idle_reasons(
    conn: &sea_orm::DatabaseConnection,
    shop_id: i64,
    draft: Option<&(i64, RuleWarning)>,
) -> Result<(HashMap<i64, String>, HashMap<i64, String>), ApiError> {
    let saved: HashMap<i64, String> = rules::store::list(conn, shop_id)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.saved.id, r.warnings.into_iter().next()?.message)))
        .collect();
    let mut drafted = saved.clone();
    if let Some((id, warning)) = draft {
        drafted.insert(*id, warning.message.clone());
    }
    Ok((saved, drafted))
}

/// `POST /admin/api/preview`: both lists, and `warnings` when the draft rule would do
/// nothing.
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
    let compared = saved_and_drafted(
        &state,
        admin.shop.id,
        request.surface,
        body.draft,
        body.draft_rule,
    )
    .await?;
    let conn = &state.db.conn;
    let (idle, idle_drafted) =
        idle_reasons(conn, admin.shop.id, compared.rule_warning.as_ref()).await?;
    // One seed for both, so the lists differ only by the settings and rules.
    let seed = uuid::Uuid::new_v4().as_u64_pair().0;
    let model = &compared.model;
    let current = explain::explain(conn, model, &request, &compared.saved, seed, &idle).await?;
    let drafted = match &compared.drafted {
        Some(tuning) => {
            Some(explain::explain(conn, model, &request, tuning, seed, &idle_drafted).await?)
        }
        None => None,
    };
    let warnings: Vec<&RuleWarning> = compared.rule_warning.iter().map(|(_, w)| w).collect();
    Ok(HttpResponse::Ok().json(json!({
        "surface": surface::name(request.surface),
        "settings_versions": compared.saved.versions(),
        "shopper": shopper(&request),
        "current": current,
        "draft": drafted,
        "warnings": warnings,
    })))
}

/// The shopper a preview was made for, as the request named them.
fn shopper(request: &RecRequest) -> Value {
    match (&request.customer_id, &request.anonymous_id) {
        (Some(id), _) => json!({ "customer_id": id }),
        (None, Some(id)) => json!({ "anonymous_id": id }),
        (None, None) => Value::Null,
    }
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
    let compared =
        saved_and_drafted(&state, admin.shop.id, surface, body.draft, body.draft_rule).await?;
    let (saved, drafted) = (&compared.saved, compared.drafted.as_ref());
    let draft = drafted.unwrap_or(saved);
    let estimate = preflight::preflight(
        &state.db.conn,
        &compared.model,
        admin.shop.id,
        surface,
        (saved, draft),
        answers,
    )
    .await?;
    Ok(HttpResponse::Ok().json(estimate))
}
