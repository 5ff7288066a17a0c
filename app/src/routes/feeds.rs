//! Klaviyo web feeds and the per-customer email list, fetched without a session: the shop's
//! secret feed token in `?key=` is the credential (a query parameter, which request logs
//! redact, rather than a path segment, which they keep).
//!
//! - `GET /feeds/{feed}.json?key=…`: a stored feed document (`new-arrivals`, `trending`,
//!   `back-in-stock`), one row read;
//! - `GET /feeds/profiles/{customer_id}.json?key=…`: one customer's email list as pushed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use entity::shop;
use sea_orm::EntityTrait;
use services::email::{self, feeds, feeds::FeedKind};

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// How long Klaviyo (or a proxy) may reuse an answer: feeds change at most per precompute.
const CACHE_SECS: u32 = 300;

/// `GET /feeds/{feed}.json?key=…`.
///
/// # Errors
/// 404 for an unknown key or feed (the same answer, so a key cannot be probed), 503 with
/// `Retry-After` while the first build is pending.
pub async fn feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shop_id = authorised_shop(&state, &req).await?;
    let kind = path
        .strip_suffix(".json")
        .and_then(FeedKind::from_slug)
        .ok_or_else(not_found)?;
    match feeds::built(&state.db.conn, shop_id, kind).await? {
        Some(feed) => Ok(HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, format!("max-age={CACHE_SECS}")))
            .insert_header((header::LAST_MODIFIED, feed.built_at.to_rfc2822()))
            .body(feed.body)),
        None => Err(ApiError::new(
            ErrorKind::Unavailable,
            "this feed is being built; try again in a minute",
        )),
    }
}

/// `GET /feeds/profiles/{customer_id}.json?key=…`.
///
/// # Errors
/// 404 for an unknown key or a customer without a list, 400 for a malformed customer id.
pub async fn profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shop_id = authorised_shop(&state, &req).await?;
    let customer_id: i64 = path
        .strip_suffix(".json")
        .and_then(|id| id.parse().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            ApiError::new(
                ErrorKind::BadRequest,
                "expected /feeds/profiles/{Shopify customer id}.json",
            )
        })?;
    let shop = shop::Entity::find_by_id(shop_id)
        .one(&state.db.conn)
        .await?
        .ok_or_else(not_found)?;
    let list = email::profile_list(&state.db.conn, &shop, customer_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "no email list for this customer"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(list))
}

/// The shop whose feed token `?key=` carries.
async fn authorised_shop(state: &AppState, req: &HttpRequest) -> Result<i64, ApiError> {
    let key = shopify::signature::parse_query(req.query_string())
        .into_iter()
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value)
        .ok_or_else(not_found)?;
    feeds::shop_of_token(&state.db.conn, &key)
        .await?
        .ok_or_else(not_found)
}

fn not_found() -> ApiError {
    ApiError::new(ErrorKind::NotFound, "no such feed")
}
