//! The merchant's rules and the audit log:
//! `GET /admin/api/rules` (every rule with what it matches now and whether it applies),
//! `POST /admin/api/rules` (`{"rule": {…}}`), `PUT /admin/api/rules/{id}`
//! (`{"version": edited, "rule": {…}}`), `DELETE /admin/api/rules/{id}?version=edited`:
//! 422 naming every invalid field, 409 when another change came first, nothing half-saved;
//! and `GET /admin/api/audit?limit=…`, newest first. Every change is audited with who made it.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use ranker::{MerchantRule, Surface};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::{Value, json};
use services::rules::{self, RuleDoc, RuleError, RuleWarning, SavedRule};
use services::settings::FieldError;

use super::admin_shop::AdminShop;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Reads a rule document; one that does not parse is one field error.
fn document(value: Value) -> Result<RuleDoc, ApiError> {
    serde_json::from_value(value).map_err(|err| {
        invalid(&[FieldError {
            field: "rule".into(),
            message: err.to_string(),
        }])
    })
}

fn invalid(fields: &[FieldError]) -> ApiError {
    ApiError::new(
        ErrorKind::InvalidFields,
        "some fields of the rule are not valid; nothing was saved",
    )
    .with_fields(&fields)
}

fn rule_error(err: RuleError) -> ApiError {
    match err {
        RuleError::Invalid(fields) => invalid(&fields),
        RuleError::NotFound(id) => {
            ApiError::new(ErrorKind::NotFound, format!("there is no rule {id}"))
        }
        RuleError::Stale {
            id,
            current,
            edited,
        } => ApiError::new(
            ErrorKind::Conflict,
            format!(
                "rule {id} was changed meanwhile (you edited version {edited}, the current \
                 version is {current}); nothing was saved: reload and apply your change again"
            ),
        ),
        RuleError::Raced => ApiError::new(
            ErrorKind::Conflict,
            "another rule was saved at the same moment; nothing was saved: save again",
        ),
        RuleError::Database(err) => err.into(),
    }
}

/// `GET /admin/api/rules`.
///
/// # Errors
/// 401/403 without a valid session or demo key, 500 when the database fails.
pub async fn list(state: web::Data<AppState>, admin: AdminShop) -> Result<HttpResponse, ApiError> {
    let rules = rules::store::list(&state.db.conn, admin.shop.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "rules": rules, "max_shift": ranker::MAX_SHIFT })))
}

/// Carries a change to the served lists: this process serves it at once, the others at
/// their next model recheck, and a change that reaches email (`touches_email`) queues the
/// precompute its lists come from.
async fn after_change(state: &AppState, shop_id: i64, touches_email: bool) -> Result<(), ApiError> {
    state.models.recheck_now(&state.db.conn, shop_id).await?;
    if touches_email {
        worker::enqueue::lists_after_tuning_change(&state.jobs, shop_id).await;
    }
    Ok(())
}

/// The answer to a change: the rule as saved with what it matches now, and `warnings`
/// when it does nothing (it matches no product, its product is gone, its window ended).
async fn saved(
    state: &AppState,
    shop_id: i64,
    saved: &SavedRule,
    touches_email: bool,
) -> Result<HttpResponse, ApiError> {
    after_change(state, shop_id, touches_email).await?;
    let listed = rules::store::list(&state.db.conn, shop_id).await?;
    let found = listed.into_iter().find(|r| r.saved.id == saved.id);
    Ok(HttpResponse::Ok().json(json!({
        "id": saved.id,
        "version": saved.version,
        "rule": saved.rule,
        "matches": found.as_ref().map_or(0, |r| r.matches),
        "active": found.as_ref().is_some_and(|r| r.active),
        "status": found.as_ref().map(|r| r.status.clone()),
        "warnings": found.map(|r| r.warnings).unwrap_or_default(),
    })))
}

/// A new rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// The rule document (checked field by field).
    pub rule: Value,
}

/// `POST /admin/api/rules`.
///
/// # Errors
/// 422 with every invalid field, 409 when another create raced it, 401/403.
pub async fn create(
    state: web::Data<AppState>,
    admin: AdminShop,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, ApiError> {
    let doc = document(body.into_inner().rule)?;
    let shop_id = admin.shop.id;
    let created = rules::store::create(&state.db.conn, shop_id, &admin.actor, &doc)
        .await
        .map_err(rule_error)?;
    saved(
        &state,
        shop_id,
        &created,
        created.rule.covers(Surface::Email),
    )
    .await
}

/// An edit: the version it started from and the whole new document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    /// The version the edit started from.
    pub version: i64,
    /// The rule document.
    pub rule: Value,
}

/// `PUT /admin/api/rules/{id}`.
///
/// # Errors
/// 404 for an unknown or deleted rule, 409 for a stale version, 422, 401/403.
pub async fn update(
    state: web::Data<AppState>,
    admin: AdminShop,
    path: web::Path<i64>,
    body: web::Json<UpdateBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let doc = document(body.rule)?;
    let id = path.into_inner();
    let conn = &state.db.conn;
    let edited = rules::store::change(
        conn,
        admin.shop.id,
        &admin.actor,
        id,
        body.version,
        Some(&doc),
    )
    .await
    .map_err(rule_error)?;
    // Moving a rule off email changes email's lists too; a before that no longer parses
    // may have covered it.
    let touches_email = edited.saved.rule.covers(Surface::Email)
        || edited
            .before
            .as_ref()
            .is_none_or(|before| before.covers(Surface::Email));
    saved(&state, admin.shop.id, &edited.saved, touches_email).await
}

/// The version a delete started from.
#[derive(Debug, Deserialize)]
pub struct DeleteQuery {
    /// The version the merchant saw.
    pub version: i64,
}

/// `DELETE /admin/api/rules/{id}?version=…`.
///
/// # Errors
/// 404 for an unknown or deleted rule, 409 for a stale version, 401/403.
pub async fn delete(
    state: web::Data<AppState>,
    admin: AdminShop,
    path: web::Path<i64>,
    query: web::Query<DeleteQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let conn = &state.db.conn;
    let deleted = rules::store::change(conn, admin.shop.id, &admin.actor, id, query.version, None)
        .await
        .map_err(rule_error)?;
    after_change(
        &state,
        admin.shop.id,
        deleted.saved.rule.covers(Surface::Email),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "id": id, "deleted": true })))
}

/// An unsaved rule for the preview: the rule it replaces (none for a new one) and the
/// document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRule {
    /// The saved rule it would replace.
    #[serde(default)]
    pub id: Option<i64>,
    /// The rule document.
    pub rule: Value,
}

/// The ranker's form of an unsaved rule (id 0 when new), checked as a save would be, and
/// why it would do nothing, if it would.
///
/// # Errors
/// 422 naming every invalid field.
pub async fn draft(
    conn: &DatabaseConnection,
    shop_id: i64,
    draft: DraftRule,
) -> Result<(MerchantRule, Option<RuleWarning>), ApiError> {
    let doc = document(draft.rule)?;
    let products = rules::draft(conn, shop_id, &doc)
        .await
        .map_err(rule_error)?;
    let warning = rules::warning(&doc, products.len(), Utc::now());
    Ok((
        rules::to_ranker(draft.id.unwrap_or(0), &doc, products),
        warning,
    ))
}

/// How many entries the audit list answers.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    /// Entries (default 50, at most 200).
    #[serde(default)]
    pub limit: Option<u64>,
}

/// `GET /admin/api/audit?limit=…`: who changed which settings or rules, when, with the
/// documents before and after; newest first.
///
/// # Errors
/// 401/403 without a valid session or demo key, 500 when the database fails.
pub async fn audit(
    state: web::Data<AppState>,
    admin: AdminShop,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    let entries = services::audit::list(&state.db.conn, admin.shop.id, limit).await?;
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            json!({
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "before": e.before,
                "after": e.after,
                "at": e.created_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "entries": entries })))
}
