//! `POST /events`: batches of storefront events from the web pixel, and `POST /proxy/events`:
//! recommendation clicks from the theme blocks through the app proxy.
//!
//! The pixel posts `{"shop", "key", "events": [...]}` (its settings carry the shop and the
//! shop's ingest key). The theme blocks have no key to send: they post `{"events": [...]}` to
//! the storefront's `/apps/meander/events`, and Shopify's app-proxy signature names the shop.
//! Bodies are read as bytes whatever the content type, because `sendBeacon` and CORS-free
//! `fetch` calls send `text/plain`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use entity::{ShopDomain, shop};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use services::signals::{EventInput, EventKind, SignalError};
use subtle::ConstantTimeEq;

use super::proxy::ProxyRequest;
use crate::error::{ApiError, ErrorKind, json_error};
use crate::state::AppState;

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    shop: String,
    key: String,
    events: Vec<EventInput>,
}

/// The body the theme blocks post through the app proxy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxiedBatch {
    events: Vec<EventInput>,
}

/// Validates, authenticates, rate-limits and stores a batch (all of it or none of it).
///
/// # Errors
/// 400 for malformed or invalid events, 401 for an unknown shop or wrong key, 403 for an
/// uninstalled shop, 500 when storage fails.
pub async fn ingest(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let batch: Batch = parse_body(&body)?;
    let domain = ShopDomain::parse(&batch.shop)
        .map_err(|err| ApiError::new(ErrorKind::BadRequest, err.to_string()))?;
    if let Some(limited) = rate_limit(&state, &req, &domain) {
        return Ok(limited);
    }
    let shop_id = authenticate(&state, &domain, &batch.key).await?;
    store(&state, shop_id, &batch.events).await
}

/// `POST /proxy/events` (storefront `/apps/meander/events`): clicks on recommendations.
///
/// Only clicks are taken here: the signature proves the request passed through the shop's
/// storefront, not who sent it, so this path cannot write views or purchases into the models.
///
/// # Errors
/// The proxy extractor's 4xx; 400 for malformed events or other kinds; 403 for a shop that
/// has not installed Meander; 500 when storage fails.
pub async fn proxied(
    req: HttpRequest,
    proxy: ProxyRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let batch: ProxiedBatch = parse_body(&body)?;
    if let Some(index) = batch.events.iter().position(|e| e.kind != EventKind::Click) {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("events[{index}].kind: only clicks are accepted through the app proxy"),
        ));
    }
    if let Some(limited) = rate_limit(&state, &req, &proxy.shop) {
        return Ok(limited);
    }
    let shop_id = proxy.installed_shop(&state).await?;
    store(&state, shop_id, &batch.events).await
}

fn parse_body<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|err| ApiError::new(ErrorKind::BadRequest, format!("invalid event batch: {err}")))
}

/// A 429 answer when this shop and client address are over their budget.
fn rate_limit(state: &AppState, req: &HttpRequest, domain: &ShopDomain) -> Option<HttpResponse> {
    let client = req
        .connection_info()
        .realip_remote_addr()
        .unwrap_or("unknown")
        .to_owned();
    let wait = state
        .event_limiter
        .check(&format!("{domain}|{client}"))
        .err()?;
    Some(too_many_requests(wait.as_secs().max(1)))
}

/// Validates and stores a batch for `shop_id`, all of it or nothing.
async fn store(
    state: &AppState,
    shop_id: i64,
    events: &[EventInput],
) -> Result<HttpResponse, ApiError> {
    let summary = state
        .store_events(shop_id, events)
        .await
        .map_err(|err| match err {
            SignalError::Invalid { .. } => ApiError::new(ErrorKind::BadRequest, err.to_string()),
            SignalError::Database(db) => ApiError::internal(db),
        })?;
    metrics::counter!("events_ingested_total").increment(summary.accepted);
    Ok(HttpResponse::Ok().json(summary))
}

/// The shop's id when `key` is its ingest key and it is installed.
async fn authenticate(state: &AppState, domain: &ShopDomain, key: &str) -> Result<i64, ApiError> {
    let shop = shop::Entity::find()
        .filter(shop::Column::Domain.eq(domain.as_str()))
        .one(&state.db.conn)
        .await?;
    let unauthorized = || ApiError::new(ErrorKind::Unauthorized, "unknown shop or ingest key");
    let shop = shop.ok_or_else(unauthorized)?;
    // Constant time, so the key cannot be guessed byte by byte from response times.
    if !bool::from(shop.ingest_key.as_bytes().ct_eq(key.as_bytes())) {
        return Err(unauthorized());
    }
    if shop.uninstalled_at.is_some() {
        return Err(ApiError::new(
            ErrorKind::Forbidden,
            "the shop has uninstalled Meander",
        ));
    }
    Ok(shop.id)
}

fn too_many_requests(retry_after_secs: u64) -> HttpResponse {
    let mut response = json_error(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::RateLimited,
        "too many event batches from this client; retry later",
    );
    if let Ok(value) = retry_after_secs.to_string().parse() {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, value);
    }
    response
}
