//! Recommendation endpoints: `GET /proxy/recs` (storefront, through the app proxy, signature
//! verified) and `GET /demo/recs` (the demo shop's preview, no credentials: demo data only).
//! Both answer JSON, or with `format=liquid` a Liquid fragment Shopify renders in the theme.

use std::collections::BTreeMap;

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};
use ranker::TrafficSource;

use super::proxy::ProxyRequest;
use super::recs_liquid;
use crate::error::{ApiError, ErrorKind};
use crate::serving::{self, MAX_LIMIT, RecRequest, RecResponse};
use crate::state::AppState;

/// Items per module when the caller does not say.
const DEFAULT_LIMIT: usize = 8;

/// `GET /proxy/recs?surface=pdp&product_id=…&session_id=…&limit=…[&format=liquid]` from a
/// storefront.
///
/// # Errors
/// 401 from the signature check, 403 for an uninstalled shop, 400/404 for bad parameters.
pub async fn proxied(
    state: web::Data<AppState>,
    proxy: ProxyRequest,
) -> Result<HttpResponse, ApiError> {
    let shop_id = proxy.installed_shop(&state).await?;
    serve(&state, shop_id, &proxy.first_params()).await
}

/// `GET /demo/recs?surface=…`: the same answer for the demo shop.
///
/// # Errors
/// 404 when the demo shop is not loaded, 400/404 for bad parameters.
pub async fn demo(
    state: web::Data<AppState>,
    query: web::Query<BTreeMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    serve(&state, demo_shop_id(&state).await?, &query).await
}

/// The demo shop's id.
///
/// # Errors
/// 404 when the demo shop is not loaded.
pub(crate) async fn demo_shop_id(state: &AppState) -> Result<i64, ApiError> {
    state
        .shops
        .demo(&state.db.conn)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "the demo shop is not loaded"))
}

async fn serve(
    state: &AppState,
    shop_id: i64,
    params: &BTreeMap<String, String>,
) -> Result<HttpResponse, ApiError> {
    // Checked before serving, so a bad format never logs an impression nobody sees.
    let format = parse_format(params, Format::Json)?;
    let request = parse(shop_id, params)?;
    let model = state.models.get(&state.db.conn, shop_id).await?;
    let response = serving::recommend(&state.db.conn, &model, &request).await?;
    metrics::counter!("recommendations_served_total", "surface" => services::surface::name(request.surface))
        .increment(1);
    let mut http = render(format, &response);
    // Per shopper and per impression: never cached by the CDN or shared caches.
    http.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(http)
}

/// How the answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `application/json` (the default).
    Json,
    /// `application/liquid`: Shopify renders it in the shop's theme.
    Liquid,
}

/// `format=json|liquid` from the (signed) query, `default` when absent; a query parameter
/// rather than `Accept`, because Shopify's app proxy signs the query and the theme blocks
/// control it.
pub(crate) fn parse_format(
    params: &BTreeMap<String, String>,
    default: Format,
) -> Result<Format, ApiError> {
    match params.get("format").map(String::as_str) {
        None => Ok(default),
        Some("json") => Ok(Format::Json),
        Some("liquid") => Ok(Format::Liquid),
        Some(_) => Err(ApiError::new(
            ErrorKind::BadRequest,
            "`format` must be `json` or `liquid`",
        )),
    }
}

fn render(format: Format, response: &RecResponse) -> HttpResponse {
    match format {
        Format::Json => HttpResponse::Ok().json(response),
        Format::Liquid => HttpResponse::Ok()
            .content_type(recs_liquid::CONTENT_TYPE)
            .body(recs_liquid::render(response)),
    }
}

pub(crate) fn parse(
    shop_id: i64,
    params: &BTreeMap<String, String>,
) -> Result<RecRequest, ApiError> {
    let bad = |message: String| ApiError::new(ErrorKind::BadRequest, message);
    let surface = params
        .get("surface")
        .ok_or_else(|| bad("`surface` is required".into()))
        .and_then(|name| serving::parse_surface(name))?;
    let product_id = params
        .get("product_id")
        .map(|id| services::signals::id::parse(id).map_err(|err| bad(format!("product_id: {err}"))))
        .transpose()?;
    let limit = match params.get("limit") {
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| bad(format!("`limit` must be an integer from 1 to {MAX_LIMIT}")))?,
        None => DEFAULT_LIMIT,
    };
    Ok(RecRequest {
        shop_id,
        surface,
        product_id,
        cart: cart(params)?,
        session_id: shopper_id(params, "session_id"),
        anonymous_id: shopper_id(params, "anonymous_id"),
        customer_id: customer_id(params),
        traffic_source: traffic_source(params)?,
        modules: modules(params)?,
        limit,
    })
}

/// The session or browser id `key`; an id the impression log would refuse is treated as
/// absent, as a storefront without cookies would send it.
pub(crate) fn shopper_id(params: &BTreeMap<String, String>, key: &str) -> Option<String> {
    params
        .get(key)
        .filter(|v| services::signals::is_valid_id(v))
        .cloned()
}

/// The logged-in customer, signed by Shopify on the app proxy (empty when nobody is logged in).
pub(crate) fn customer_id(params: &BTreeMap<String, String>) -> Option<i64> {
    params
        .get("logged_in_customer_id")
        .and_then(|id| id.parse().ok())
}

/// Most ids a `cart` parameter may hold (a theme sends one per line; the answer uses the
/// first [`serving::MAX_CART_LINES`]).
const MAX_CART_PARAM: usize = 100;

/// `cart=id,id,…`: the cart's product ids, for the cart and checkout surfaces.
fn cart(params: &BTreeMap<String, String>) -> Result<Vec<i64>, ApiError> {
    let Some(list) = params.get("cart").filter(|l| !l.is_empty()) else {
        return Ok(Vec::new());
    };
    let ids: Vec<&str> = list.split(',').collect();
    if ids.len() > MAX_CART_PARAM {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("`cart` holds at most {MAX_CART_PARAM} product ids"),
        ));
    }
    ids.into_iter()
        .map(|id| {
            services::signals::id::parse(id)
                .map_err(|err| ApiError::new(ErrorKind::BadRequest, format!("cart: {err}")))
        })
        .collect()
}

/// `modules=a,b`: only these modules are answered (and logged as impressions), for a page
/// whose blocks show only some of the surface's modules. Absent = every module.
fn modules(params: &BTreeMap<String, String>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(list) = params.get("modules") else {
        return Ok(None);
    };
    let names: Vec<String> = list.split(',').map(str::to_owned).collect();
    let valid = |name: &String| {
        (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
    };
    if names.len() > 16 || !names.iter().all(valid) {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            "`modules` must be up to 16 comma-separated module names (a-z, 0-9, _)",
        ));
    }
    Ok(Some(names))
}

/// `traffic_source=direct|search|social|email|paid` (what brought the shopper, as the theme
/// block or the email link knows it); exploration caps differ per source. Absent = direct.
pub(crate) fn traffic_source(params: &BTreeMap<String, String>) -> Result<TrafficSource, ApiError> {
    let Some(name) = params.get("traffic_source") else {
        return Ok(TrafficSource::Direct);
    };
    TrafficSource::from_name(name).ok_or_else(|| {
        ApiError::new(
            ErrorKind::BadRequest,
            "`traffic_source` must be one of direct, search, social, email, paid",
        )
    })
}
