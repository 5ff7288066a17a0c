//! `POST /webhooks`: every Shopify webhook. The HMAC is checked on the raw body before
//! anything is parsed; the delivery is stored under its webhook id with one insert (a
//! duplicate is answered 200 and stored once) and the answer goes back at once: a worker
//! queues its processing job (`services::receipts`), so Shopify never waits for the queue.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use futures::StreamExt as _;
use serde_json::json;
use services::receipts::{self, Delivery};
use shopify::signature;

use super::auth::{configured, parse_shop};

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Webhook ids are UUIDs; anything much longer is not Shopify.
const MAX_WEBHOOK_ID_LEN: usize = 128;

/// The one value of header `name`; `kind` when it is missing, repeated or not text.
fn single_header<'a>(
    req: &'a HttpRequest,
    name: &str,
    kind: ErrorKind,
) -> Result<&'a str, ApiError> {
    let mut values = req.headers().get_all(name);
    let first = values
        .next()
        .ok_or_else(|| ApiError::new(kind, format!("missing header `{name}`")))?;
    if values.next().is_some() {
        return Err(ApiError::new(
            kind,
            format!("header `{name}` appears more than once"),
        ));
    }
    first
        .to_str()
        .map(str::trim)
        .ok()
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::new(kind, format!("header `{name}` is empty or not text")))
}

async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| {
            ApiError::new(ErrorKind::BadRequest, "cannot read the request body").with_cause(err)
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                ErrorKind::PayloadTooLarge,
                format!("webhook body exceeds {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// `POST /webhooks`.
///
/// # Errors
/// 401 for a missing, repeated or wrong `X-Shopify-Hmac-Sha256`; 400 for missing headers, a
/// bad shop domain or a body that is not JSON; 413 above `shopify.webhook_body_limit_bytes`.
pub async fn receive(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let app = configured(&state)?;
    let body = read_body(payload, app.settings.webhook_body_limit_bytes).await?;
    let hmac = single_header(&req, "X-Shopify-Hmac-Sha256", ErrorKind::Unauthorized)?;
    signature::verify_webhook(app.secret(), &body, hmac).map_err(|err| {
        ApiError::new(ErrorKind::Unauthorized, format!("webhook rejected: {err}"))
    })?;
    let topic = single_header(&req, "X-Shopify-Topic", ErrorKind::BadRequest)?;
    let shop = parse_shop(single_header(
        &req,
        "X-Shopify-Shop-Domain",
        ErrorKind::BadRequest,
    )?)?;
    let webhook_id = single_header(&req, "X-Shopify-Webhook-Id", ErrorKind::BadRequest)?;
    if webhook_id.len() > MAX_WEBHOOK_ID_LEN {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            "X-Shopify-Webhook-Id is too long",
        ));
    }
    let payload: serde_json::Value = serde_json::from_slice(&body).map_err(|err| {
        ApiError::new(ErrorKind::BadRequest, "webhook body is not JSON").with_cause(err)
    })?;
    let delivery = Delivery {
        webhook_id,
        shop: &shop,
        topic,
        payload,
        received_at: Utc::now(),
    };
    let inserted = receipts::store(&state.db.conn, delivery).await?;
    tracing::info!(%topic, shop = %shop, duplicate = !inserted, "webhook accepted");
    Ok(HttpResponse::Ok().json(json!({ "accepted": true, "duplicate": !inserted })))
}
