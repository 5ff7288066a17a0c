//! `GET /proxy/collections/{handle}?page=…&sort=…` (storefront
//! `/apps/meander/collections/{handle}`, signed by the app proxy): a collection's products in
//! the order of [`services::category`] — personalised "recommended" by default, or by price
//! or newest — 24 a page, as a Liquid page in the shop's theme or JSON with `format=json`.
//!
//! An unknown handle is a 404 (`not_found`); a bad `page` or `sort` a 400 (`bad_request`),
//! checked before anything is served; a page past the end is an empty page (200) with the
//! total, logged like any answer.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use services::category::Sort;

use super::collection_liquid;
use super::proxy::ProxyRequest;
use super::recs::{self, Format};
use super::search::{no_store, page};
use crate::error::{ApiError, ErrorKind};
use crate::serving::RecRequest;
use crate::serving::category::{self, CategoryRequest};
use crate::state::AppState;

/// `sort=recommended|price_asc|price_desc|newest`, `recommended` when absent.
///
/// # Errors
/// 400 for any other value.
pub(crate) fn sort(params: &BTreeMap<String, String>) -> Result<Sort, ApiError> {
    let Some(name) = params.get("sort") else {
        return Ok(Sort::default());
    };
    Sort::parse(name).ok_or_else(|| {
        ApiError::new(
            ErrorKind::BadRequest,
            "`sort` must be one of recommended, price_asc, price_desc, newest",
        )
    })
}

/// The shopper of a storefront request, as recommendations read it (the surface and limit
/// are the category page's, set by [`CategoryRequest::new`]).
///
/// # Errors
/// 400 for a bad traffic source.
fn shopper(shop_id: i64, params: &BTreeMap<String, String>) -> Result<RecRequest, ApiError> {
    Ok(RecRequest {
        shop_id,
        surface: ranker::Surface::Category,
        product_id: None,
        cart: Vec::new(),
        session_id: recs::shopper_id(params, "session_id"),
        anonymous_id: recs::shopper_id(params, "anonymous_id"),
        customer_id: recs::customer_id(params),
        traffic_source: recs::traffic_source(params)?,
        modules: None,
        limit: services::category::PAGE_SIZE,
    })
}

/// `GET /proxy/collections/{handle}`.
///
/// # Errors
/// 401 from the signature check, 403 for an uninstalled shop, 400 for bad parameters, 404
/// for an unknown handle.
pub async fn proxied(
    state: web::Data<AppState>,
    proxy: ProxyRequest,
    handle: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shop_id = proxy.installed_shop(&state).await?;
    let params = proxy.first_params();
    let format = recs::parse_format(&params, Format::Liquid)?;
    let sort = sort(&params)?;
    let page = page(&params)?;
    let shopper = shopper(shop_id, &params)?;
    let conn = &state.db.conn;
    let found = services::catalog::collections::by_handle(conn, shop_id, &handle)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "There is no such collection."))?;
    let model = state.models.get(conn, shop_id).await?;
    let request = CategoryRequest::new(found.products.clone(), sort, page, shopper);
    let response = category::serve(conn, &model, &request).await?;
    metrics::counter!("category_pages_served_total", "sort" => sort.name()).increment(1);
    Ok(no_store(match format {
        Format::Json => HttpResponse::Ok().json(&response),
        Format::Liquid => HttpResponse::Ok()
            .content_type(super::recs_liquid::CONTENT_TYPE)
            .body(collection_liquid::render(
                &response,
                &found,
                &proxy.path_prefix,
            )),
    }))
}
