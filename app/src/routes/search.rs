//! Search endpoints: `GET /proxy/search?q=…&page=…` (storefront `/apps/meander/search`, signed
//! by the app proxy; a results page in the shop's theme as Liquid, or JSON with `format=json`)
//! and `GET /demo/search?q=…&page=…` (the demo shop, JSON).
//!
//! Bad input never costs a 5xx: an empty or missing `q` answers an empty page (200, logged
//! like any answer: the shopper saw it); a `q` over 1 kB is refused with 400 (`bad_request`),
//! since no one types that much and the parser reads only its first 200 characters anyway;
//! `page` must be 1–1000, and a page past the results is empty.

use std::collections::BTreeMap;

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};

use super::proxy::ProxyRequest;
use super::recs::{self, Format};
use super::search_liquid;
use crate::error::{ApiError, ErrorKind};
use crate::serving::search::{self, SearchRequest, SearchResponse};
use crate::state::AppState;

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 1024;
/// Highest page number accepted (results end far earlier: 200 candidates, 24 a page).
pub const MAX_PAGE: usize = 1000;

/// `GET /proxy/search?q=…&page=…[&format=json]` from a storefront.
///
/// # Errors
/// 401 from the signature check, 403 for an uninstalled shop, 400 for bad parameters.
pub async fn proxied(
    state: web::Data<AppState>,
    proxy: ProxyRequest,
) -> Result<HttpResponse, ApiError> {
    let shop_id = proxy.installed_shop(&state).await?;
    let params = proxy.first_params();
    let format = recs::parse_format(&params, Format::Liquid)?;
    let response = serve(&state, shop_id, &params).await?;
    Ok(no_store(match format {
        Format::Json => HttpResponse::Ok().json(&response),
        Format::Liquid => HttpResponse::Ok()
            .content_type(super::recs_liquid::CONTENT_TYPE)
            .body(search_liquid::render(&response, &proxy.path_prefix)),
    }))
}

/// `GET /demo/search?q=…&page=…`: the demo shop's search, JSON.
///
/// # Errors
/// 404 when the demo shop is not loaded, 400 for bad parameters.
pub async fn demo(
    state: web::Data<AppState>,
    query: web::Query<BTreeMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let shop_id = recs::demo_shop_id(&state).await?;
    let response = serve(&state, shop_id, &query).await?;
    Ok(no_store(HttpResponse::Ok().json(&response)))
}

/// Parses, serves and counts one search.
///
/// # Errors
/// 400 for bad parameters; 500 when storage or the index fails.
pub(crate) async fn serve(
    state: &AppState,
    shop_id: i64,
    params: &BTreeMap<String, String>,
) -> Result<SearchResponse, ApiError> {
    let request = parse(shop_id, params)?;
    let model = state.models.get(&state.db.conn, shop_id).await?;
    let response = search::search(&state.db.conn, &model, &request).await?;
    metrics::counter!("searches_served_total", "class" => response.query.class.as_str())
        .increment(1);
    Ok(response)
}

/// `page=…`: 1 to [`MAX_PAGE`], 1 when absent.
///
/// # Errors
/// 400 for anything else (0, a word, a negative or a huge number).
pub(crate) fn page(params: &BTreeMap<String, String>) -> Result<usize, ApiError> {
    let Some(text) = params.get("page") else {
        return Ok(1);
    };
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_PAGE).contains(n))
        .ok_or_else(|| {
            ApiError::new(
                ErrorKind::BadRequest,
                format!("`page` must be an integer from 1 to {MAX_PAGE}"),
            )
        })
}

/// Per shopper and per impression: never cached by the CDN or shared caches.
pub(crate) fn no_store(mut http: HttpResponse) -> HttpResponse {
    http.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    http
}

/// The request from its query parameters.
///
/// # Errors
/// 400 for a query over [`MAX_QUERY_BYTES`], a bad page or a bad traffic source.
pub(crate) fn parse(
    shop_id: i64,
    params: &BTreeMap<String, String>,
) -> Result<SearchRequest, ApiError> {
    let query = params.get("q").map_or("", String::as_str);
    if query.len() > MAX_QUERY_BYTES {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("`q` must be at most {MAX_QUERY_BYTES} bytes"),
        ));
    }
    Ok(SearchRequest {
        shop_id,
        query: query.to_owned(),
        page: page(params)?,
        session_id: recs::shopper_id(params, "session_id"),
        anonymous_id: recs::shopper_id(params, "anonymous_id"),
        customer_id: recs::customer_id(params),
        traffic_source: recs::traffic_source(params)?,
    })
}
