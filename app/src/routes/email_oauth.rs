//! "Connect with Klaviyo" (OAuth) and disconnecting, for the embedded admin.
//!
//! - `POST /admin/api/email/klaviyo/oauth`: starts a connect (`services::email::
//!   start_connect`) and answers `{"authorize_url": …}`, Klaviyo's consent page, which the
//!   admin opens in the whole tab;
//! - `GET /klaviyo/callback?code&state` (the redirect URL registered with Klaviyo): completes
//!   it and sends the merchant back to the admin with `?klaviyo=connected`, or
//!   `?klaviyo=error&reason=…` when Klaviyo refused (the consent, the code or a scope). A
//!   `state` this app cannot honour answers 400 `state_unknown`, `state_used` or
//!   `state_expired`; Klaviyo unreachable answers 503 and leaves the state usable, so
//!   reloading the page retries;
//! - `DELETE /admin/api/email/klaviyo`: revokes an OAuth grant at Klaviyo and deletes the
//!   connection (a private key is only deleted).

use actix_web::{HttpResponse, web};
use entity::shop;
use serde::Deserialize;
use serde_json::json;
use services::email::{self, EmailError, KlaviyoApi};

use super::admin_shop::AdminShop;
use super::auth::configured;
use super::email::{connect_error, describe};
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// `POST /admin/api/email/klaviyo/oauth`.
///
/// # Errors
/// 401 without a session, 503 when OAuth or the token cipher is not configured.
pub async fn start(
    state: web::Data<AppState>,
    session: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let cipher = &configured(&state)?.cipher;
    let api = KlaviyoApi::from_settings(&state.settings.klaviyo);
    let url = email::start_connect(&state.db.conn, &api, cipher, &session.shop)
        .await
        .map_err(connect_error)?;
    Ok(HttpResponse::Ok().json(json!({ "authorize_url": url })))
}

/// The callback's query: a code, or Klaviyo's OAuth error (the merchant declined).
#[derive(Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// `GET /klaviyo/callback`.
///
/// # Errors
/// 400 with `state_unknown`, `state_used` or `state_expired`, or `bad_request` without a
/// state; 503 when Klaviyo or the cipher is unavailable.
pub async fn callback(
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let cipher = &configured(&state)?.cipher;
    let api = KlaviyoApi::from_settings(&state.settings.klaviyo);
    let nonce = query
        .state
        .as_deref()
        .ok_or_else(|| ApiError::new(ErrorKind::BadRequest, "`state` is missing"))?;
    let Some(code) = query.code.as_deref() else {
        let shop = email::connect_shop(&state.db.conn, nonce)
            .await
            .map_err(connect_error)?;
        let reason = query.error.as_deref().unwrap_or("no_code");
        return Ok(land(
            &state,
            &shop,
            &[("klaviyo", "error"), ("reason", reason)],
        ));
    };
    match email::finish_connect(&state.db.conn, &api, cipher, nonce, code).await {
        Ok((shop, _)) => Ok(land(&state, &shop, &[("klaviyo", "connected")])),
        Err(err) if refused(&err) => {
            let shop = email::connect_shop(&state.db.conn, nonce)
                .await
                .map_err(connect_error)?;
            tracing::info!(shop = shop.id, err = %common::telemetry::Chain(&err), "Klaviyo connect refused");
            Ok(land(
                &state,
                &shop,
                &[("klaviyo", "error"), ("reason", reason(&err))],
            ))
        }
        Err(err) => Err(connect_error(err)),
    }
}

/// Klaviyo said no (to the code or a scope): the merchant hears it on the admin.
fn refused(err: &EmailError) -> bool {
    matches!(
        err,
        EmailError::OAuth(_) | EmailError::InvalidCredential(_) | EmailError::MissingScope { .. }
    ) && !err.is_transient()
}

fn reason(err: &EmailError) -> &'static str {
    match err {
        EmailError::MissingScope { .. } => "missing_scope",
        _ => "refused",
    }
}

/// A redirect to the shop's admin (the embedded app), `params` in its query.
fn land(state: &AppState, shop: &shop::Model, params: &[(&str, &str)]) -> HttpResponse {
    let base = match &state.shopify {
        Some(app) => format!(
            "https://{}/admin/apps/{}",
            shop.domain, app.credentials.client_id
        ),
        None => format!("{}/", state.public_url),
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(params);
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("{base}?{}", query.finish())))
        .finish()
}

/// `DELETE /admin/api/email/klaviyo`.
///
/// # Errors
/// 401 without a session; 503 when Klaviyo cannot be reached to revoke the grant (nothing
/// is deleted then).
pub async fn disconnect(
    state: web::Data<AppState>,
    session: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let cipher = &configured(&state)?.cipher;
    let api = KlaviyoApi::from_settings(&state.settings.klaviyo);
    email::disconnect(&state.db.conn, &api, cipher, &session.shop)
        .await
        .map_err(connect_error)?;
    Ok(HttpResponse::Ok().json(describe(&state, session.shop.id).await?))
}
