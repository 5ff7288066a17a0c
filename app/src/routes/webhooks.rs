//! `POST /webhooks`: every Shopify webhook. The HMAC is checked on the raw body before
//! anything is parsed; the delivery is stored under its webhook id (a duplicate is answered
//! 200 and not queued again) and a typed job is queued; the answer goes back at once.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use common::database::insert_if_absent;
use entity::{shop, webhook_receipt};
use futures::StreamExt as _;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use shopify::signature;
use worker::jobs::ProcessWebhook;

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
    let db = &state.db.conn;
    let shop_id = shop::Entity::find()
        .filter(shop::Column::Domain.eq(shop.as_str()))
        .one(db)
        .await?
        .map(|shop| shop.id);
    let receipt = webhook_receipt::ActiveModel {
        webhook_id: Set(webhook_id.to_owned()),
        shop_id: Set(shop_id),
        shop_domain: Set(shop.as_str().to_owned()),
        topic: Set(topic.to_owned()),
        payload: Set(payload),
        received_at: Set(Utc::now()),
        processed_at: Set(None),
        outcome: Set(None),
    };
    let first_delivery = OnConflict::column(webhook_receipt::Column::WebhookId)
        .do_nothing()
        .to_owned();
    let inserted = insert_if_absent(db, receipt, first_delivery).await?;
    let pending = inserted
        || webhook_receipt::Entity::find_by_id(webhook_id.to_owned())
            .one(db)
            .await?
            .is_some_and(|receipt| receipt.processed_at.is_none());
    if pending {
        // A redelivery of a stored-but-unprocessed webhook queues again: this is the
        // reconciliation for a crash between storing and queueing (the job is deduplicated).
        state
            .jobs
            .push(ProcessWebhook {
                webhook_id: webhook_id.to_owned(),
            })
            .await
            .map_err(ApiError::internal)?;
    }
    tracing::info!(%topic, shop = %shop, duplicate = !inserted, "webhook accepted");
    Ok(HttpResponse::Ok().json(json!({ "accepted": true, "duplicate": !inserted })))
}
