//! `GET /demo/results?q=…&page=…`: the demo shop's search results page, served and logged
//! through the same path as `/demo/search` with the visitor's session.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;

use super::page::debug_line;
use super::storefront::{demo_shop, html_page, rec_card, shop_page};
use super::visitor::Visitor;
use crate::error::ApiError;
use crate::routes::search;
use crate::state::AppState;

/// Renders one page of results with links to the neighbouring pages.
///
/// # Errors
/// 404 before the demo shop is loaded; 400 for bad parameters; 500 on storage failures.
pub async fn results_page(
    req: HttpRequest,
    query: web::Query<BTreeMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (shop, model) = demo_shop(&state).await?;
    let visitor = Visitor::from_request(&req);
    let mut params = query.into_inner();
    params.insert("session_id".into(), visitor.session.clone());
    params.insert("anonymous_id".into(), visitor.session.clone());
    let found = search::serve(&state, shop.id, &params).await?;
    let items: Vec<_> = found
        .results
        .modules
        .iter()
        .flat_map(|m| &m.items)
        .collect();
    let link = |page: usize| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &found.query.text)
            .append_pair("page", &page.to_string())
            .finish();
        format!("/demo/results?{query}")
    };
    let body = html! {
        h2 { "Results for “" (found.query.text) "”" }
        p.muted {
            (found.query.class.as_str().replace('_', " ")) " query"
            @if let Some(brand) = &found.query.brand { " · brand " (brand) }
            @for category in &found.query.categories { " · " (category) }
            @if found.query.fallback { " · no exact match, showing what sells" }
        }
        @if items.is_empty() {
            p { "No products found." }
        } @else {
            div.grid { @for item in &items { (rec_card(item, &model, &shop.currency)) } }
        }
        nav aria-label="Result pages" {
            @if found.page > 1 { a rel="prev" href=(link(found.page - 1)) { "Previous" } " " }
            @if found.has_more { a rel="next" href=(link(found.page + 1)) { "Next" } }
        }
        (debug_line(found.results.rec_id, found.results.model_version.as_deref()))
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, "Search", &body),
    ))
}
