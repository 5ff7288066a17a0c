//! `POST /events`: batches of storefront events from the web pixel.
//!
//! The pixel posts `{"shop", "key", "events": [...]}` (its settings carry the shop and the
//! shop's ingest key). The body is read as bytes whatever the content type, because
//! `navigator.sendBeacon` sends `text/plain`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use entity::{ShopDomain, shop};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use worker::signals::{self, EventInput, SignalError};

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
    let batch: Batch = serde_json::from_slice(&body).map_err(|err| {
        ApiError::new(ErrorKind::BadRequest, format!("invalid event batch: {err}"))
    })?;
    let domain = ShopDomain::parse(&batch.shop)
        .map_err(|err| ApiError::new(ErrorKind::BadRequest, err.to_string()))?;
    let client = req
        .connection_info()
        .realip_remote_addr()
        .unwrap_or("unknown")
        .to_owned();
    if let Err(wait) = state.event_limiter.check(&format!("{domain}|{client}")) {
        return Ok(too_many_requests(wait.as_secs().max(1)));
    }
    let shop_id = authenticate(&state, &domain, &batch.key).await?;
    let summary = signals::ingest(&state.db.conn, shop_id, &batch.events, Utc::now())
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
