//! What every page of the demo shop shares: the loaded shop, serving and logging the
//! recommendation modules of a surface for the visitor as a shopper's, recording the visitor's
//! storefront events, and the page frame (header with search and cart, the visitor's cookies).

use std::sync::Arc;

use actix_web::{HttpResponse, HttpResponseBuilder};
use chrono::Utc;
use entity::shop;
use maud::{Markup, html};
use services::signals::{EventInput, EventKind};

use super::illustration::illustration;
use super::page::{debug_line, layout, money};
use super::visitor::Visitor;
use crate::error::{ApiError, ErrorKind};
use crate::serving::cache::ShopModel;
use crate::serving::{self, RecItem, RecRequest, RecResponse};
use crate::state::AppState;
use services::surface::Surface;

/// Items per module on the demo pages.
const MODULE_ITEMS: usize = 6;

/// The loaded demo shop and its serving model.
pub(super) async fn demo_shop(state: &AppState) -> Result<(shop::Model, Arc<ShopModel>), ApiError> {
    let shop = services::demo::ready_demo_shop(&state.db.conn)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "the demo shop is not loaded yet"))?;
    let model = state.models.get(&state.db.conn, shop.id).await?;
    Ok((shop, model))
}

/// 404 unless `product_id` is an active product of the shop.
pub(super) fn known_product(model: &ShopModel, product_id: i64) -> Result<(), ApiError> {
    match model.view.catalog.id_of(product_id) {
        Some(_) => Ok(()),
        None => Err(ApiError::new(
            ErrorKind::NotFound,
            format!("There is no product {product_id} in this shop."),
        )),
    }
}

/// The top-level category of a product (it picks the illustration's shape).
pub(super) fn department(model: &ShopModel, product_id: i64) -> &str {
    let catalog = &model.view.catalog;
    let tree = catalog.categories();
    let Some(mut category) = catalog
        .id_of(product_id)
        .and_then(|id| catalog.item(id))
        .map(|item| item.category)
    else {
        return "";
    };
    while let Some(parent) = tree.parent(category) {
        category = parent;
    }
    tree.name(category).unwrap_or("")
}

/// Serves `surface` for the visitor and logs the impression, as for a shopper.
pub(super) async fn recommend(
    state: &AppState,
    shop_id: i64,
    model: &ShopModel,
    visitor: &Visitor,
    surface: Surface,
    product_id: Option<i64>,
) -> Result<RecResponse, ApiError> {
    let request = shopper(shop_id, visitor, surface, product_id);
    serving::recommend(&state.db.conn, model, &request).await
}

/// The visitor's request for `surface` (about `product_id`), as the theme blocks send it.
pub(super) fn shopper(
    shop_id: i64,
    visitor: &Visitor,
    surface: Surface,
    product_id: Option<i64>,
) -> RecRequest {
    RecRequest {
        shop_id,
        surface,
        product_id,
        // Newest line first: it leads the cart's list.
        cart: visitor.cart_products().into_iter().rev().collect(),
        session_id: Some(visitor.session.clone()),
        anonymous_id: Some(visitor.session.clone()),
        customer_id: None,
        traffic_source: ranker::TrafficSource::Direct,
        modules: None,
        limit: MODULE_ITEMS,
    }
}

/// Stores one of the visitor's storefront events, as the web pixel would.
pub(super) async fn record(
    state: &AppState,
    shop_id: i64,
    visitor: &Visitor,
    kind: EventKind,
    product_id: i64,
) -> Result<(), ApiError> {
    let event = EventInput::on_product(kind, &visitor.session, product_id, Utc::now());
    state
        .store_events(shop_id, &[event])
        .await
        .map_err(ApiError::internal)?;
    Ok(())
}

/// The recommendation modules as the theme blocks render them: a heading per module and a
/// card per item with its shopper-facing reason ("explore" marked apart), then the debug line.
pub(super) fn modules(recs: &RecResponse, model: &ShopModel, currency: &str) -> Markup {
    html! {
        @for module in &recs.modules {
            @if !module.items.is_empty() {
                section.module data-module=(module.name) {
                    h2 { (module.title) }
                    div.grid { @for item in &module.items { (rec_card(item, model, currency)) } }
                }
            }
        }
        (debug_line(recs.rec_id, recs.model_version.as_deref()))
    }
}

/// One recommended product's card.
pub(super) fn rec_card(item: &RecItem, model: &ShopModel, currency: &str) -> Markup {
    let badge = if item.explored {
        "reason explore"
    } else {
        "reason"
    };
    let department = item
        .product_id
        .parse()
        .map_or("", |id| department(model, id));
    html! {
        a.card href=(format!("/demo/products/{}", item.product_id)) {
            (illustration(department, item.hue, &item.title))
            div.body {
                div.title { (item.title) }
                div.muted { (item.brand) }
                @if let Some(price) = item.price_minor { div { (money(price, currency)) } }
                span class=(badge) { (item.reason_text) }
            }
        }
    }
}

/// A storefront page: the shop's header with its search box, navigation and cart, then `body`.
pub(super) fn shop_page(
    shop: &shop::Model,
    visitor: &Visitor,
    title: &str,
    body: &Markup,
) -> Markup {
    layout(
        title,
        &html! {},
        &html! {
            a.skip href="#content" { "Skip to content" }
            header {
                h1 { a href="/demo" { (shop.name) } }
                form role="search" action="/demo/results" method="get" {
                    label for="demo-search" { "Search" }
                    input #demo-search type="search" name="q" placeholder="Brand, category, under 50…";
                    button type="submit" { "Search" }
                }
                nav aria-label="Shop" {
                    a href="/demo" { "Home" }
                    a href="/demo/cart" { "Cart (" (visitor.cart_units()) ")" }
                }
            }
            main #content { (body) }
        },
    )
}

/// An HTML answer that keeps the visitor's session and cart.
pub(super) fn html_page(visitor: &Visitor, markup: Markup) -> HttpResponse {
    with_cookies(HttpResponse::Ok(), visitor)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// A redirect after a form post (post/redirect/get), keeping the visitor's cookies.
pub(super) fn see_other(visitor: &Visitor, location: &str) -> HttpResponse {
    with_cookies(HttpResponse::SeeOther(), visitor)
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

fn with_cookies(mut builder: HttpResponseBuilder, visitor: &Visitor) -> HttpResponseBuilder {
    for cookie in visitor.cookies() {
        builder.cookie(cookie);
    }
    builder
}
