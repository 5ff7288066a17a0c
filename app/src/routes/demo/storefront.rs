//! The demo shop as a shopper browses it: the home page, a category, a product page and the
//! cart, each with the recommendation modules of its surface rendered as the theme blocks
//! render them (titles, cards, reasons). Pages record the shopper's views and adds to cart in
//! the visitor's session, so the re-rank reacts to the pages just viewed, and every list shown
//! is logged as an impression like a shopper's.

use std::sync::Arc;

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use chrono::Utc;
use entity::shop;
use maud::{Markup, html};
use serde::Deserialize;
use services::signals::{self, EventInput, EventKind};

use super::data;
use super::page::{self, layout, swatch};
use super::visitor::Visitor;
use crate::error::{ApiError, ErrorKind};
use crate::serving::cache::ShopModel;
use crate::serving::{self, RecItem, RecRequest, RecResponse};
use crate::state::AppState;
use services::surface::{Surface, module_title};

/// Items per module on the demo pages.
const MODULE_ITEMS: usize = 6;

/// `GET /demo/products/{id}`: the product, an add-to-cart button and the product page modules.
///
/// # Errors
/// 404 for an unknown product or before the demo shop is loaded; 500 on storage failures.
pub async fn product_page(
    req: HttpRequest,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let product_id = path.into_inner();
    let (shop, model) = demo_shop(&state).await?;
    known_product(&model, product_id)?;
    let visitor = Visitor::from_request(&req);
    record(&state, shop.id, &visitor, EventKind::View, product_id).await?;
    let recs = recommend(
        &state,
        shop.id,
        &model,
        &visitor,
        Surface::Product,
        Some(product_id),
    )
    .await?;
    let display = model.display.get(&product_id);
    let title = display.map_or("Product", |d| d.title.as_str());
    let facts = model.view.facts.get(&product_id);
    let body = html! {
        div.hero {
            div.swatch style=(swatch(display.map_or(0, |d| d.hue))) {}
            div {
                h2 { (title) }
                div.muted { (display.map_or("", |d| d.brand.as_str())) }
                @if let Some(f) = facts {
                    p { (entity::Money::from_minor(f.price_minor)) " " (shop.currency) }
                    p.muted { (f.available) " in stock" }
                }
                form method="post" action="/demo/cart" {
                    input type="hidden" name="product_id" value=(product_id);
                    button type="submit" { "Add to cart" }
                }
            }
        }
        (modules(&recs, &shop.currency))
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, title, &body),
    ))
}

/// The home page's "Picked for you" recommendations, for the overview.
///
/// # Errors
/// As [`recommend`].
pub(super) async fn home_recs(
    state: &AppState,
    shop: &shop::Model,
    visitor: &Visitor,
) -> Result<RecResponse, ApiError> {
    let model = state.models.get(&state.db.conn, shop.id).await?;
    recommend(state, shop.id, &model, visitor, Surface::Home, None).await
}

/// `GET /demo/categories/{id}`: the category's products and the home modules, which follow
/// the session's intent.
///
/// # Errors
/// 404 for an unknown category or before the demo shop is loaded; 500 on storage failures.
pub async fn category_page(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let category_id = path.into_inner();
    let (shop, model) = demo_shop(&state).await?;
    let category = data::category(&state.db.conn, shop.id, &category_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "no such category"))?;
    let visitor = Visitor::from_request(&req);
    let recs = recommend(&state, shop.id, &model, &visitor, Surface::Home, None).await?;
    let body = html! {
        h2 { (category.name) }
        p.muted { (category.cards.len()) " products" }
        (page::grid(&category.cards, &shop.currency))
        (modules(&recs, &shop.currency))
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, &category.name, &body),
    ))
}

/// `GET /demo/cart`: the cart's lines and total, and the cart modules seeded by every line
/// (the home modules while the cart is empty).
///
/// # Errors
/// 404 before the demo shop is loaded; 500 on storage failures.
pub async fn cart_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (shop, model) = demo_shop(&state).await?;
    let visitor = Visitor::from_request(&req);
    let lines = data::cart(&state.db.conn, shop.id, &visitor.cart).await?;
    let in_catalog = visitor
        .cart
        .iter()
        .any(|id| model.view.catalog.id_of(*id).is_some());
    let surface = if in_catalog {
        Surface::Cart
    } else {
        Surface::Home
    };
    let recs = recommend(&state, shop.id, &model, &visitor, surface, None).await?;
    let total: i64 = lines.iter().filter_map(|l| l.price_minor).sum();
    let body = html! {
        h2 { "Your cart" }
        @if lines.is_empty() {
            p.muted { "Your cart is empty." }
        } @else {
            table.cart {
                @for line in &lines {
                    tr {
                        td { a href=(format!("/demo/products/{}", line.id)) { (line.title) } }
                        td.muted { (line.brand) }
                        td { @if let Some(p) = line.price_minor { (entity::Money::from_minor(p)) " " (shop.currency) } }
                    }
                }
                tr { td { b { "Total" } } td {} td { b { (entity::Money::from_minor(total)) " " (shop.currency) } } }
            }
        }
        (modules(&recs, &shop.currency))
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, "Cart", &body),
    ))
}

/// The add-to-cart form.
#[derive(Debug, Deserialize)]
pub struct AddToCart {
    product_id: i64,
}

/// `POST /demo/cart` (`product_id=…`): records the add to cart in the session, puts the
/// product in the cart and shows the cart.
///
/// # Errors
/// 404 for an unknown product or before the demo shop is loaded; 500 on storage failures.
pub async fn add_to_cart(
    req: HttpRequest,
    form: web::Form<AddToCart>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (shop, model) = demo_shop(&state).await?;
    known_product(&model, form.product_id)?;
    let mut visitor = Visitor::from_request(&req);
    record(
        &state,
        shop.id,
        &visitor,
        EventKind::AddToCart,
        form.product_id,
    )
    .await?;
    visitor.add_to_cart(form.product_id);
    Ok(with_cookies(HttpResponse::SeeOther(), &visitor)
        .insert_header((LOCATION, "/demo/cart"))
        .finish())
}

/// The loaded demo shop and its serving model.
pub(super) async fn demo_shop(state: &AppState) -> Result<(shop::Model, Arc<ShopModel>), ApiError> {
    let shop = services::demo::ready_demo_shop(&state.db.conn)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "the demo shop is not loaded yet"))?;
    let model = state.models.get(&state.db.conn, shop.id).await?;
    Ok((shop, model))
}

fn known_product(model: &ShopModel, product_id: i64) -> Result<(), ApiError> {
    match model.view.catalog.id_of(product_id) {
        Some(_) => Ok(()),
        None => Err(ApiError::new(
            ErrorKind::NotFound,
            format!("no product {product_id}"),
        )),
    }
}

/// Serves `surface` for the visitor and logs the impression, as for a shopper.
async fn recommend(
    state: &AppState,
    shop_id: i64,
    model: &ShopModel,
    visitor: &Visitor,
    surface: Surface,
    product_id: Option<i64>,
) -> Result<RecResponse, ApiError> {
    let request = RecRequest {
        shop_id,
        surface,
        product_id,
        // Newest line first: it leads the cart's list.
        cart: visitor.cart.iter().rev().copied().collect(),
        session_id: Some(visitor.session.clone()),
        anonymous_id: Some(visitor.session.clone()),
        customer_id: None,
        traffic_source: ranker::TrafficSource::Direct,
        modules: None,
        limit: MODULE_ITEMS,
    };
    serving::recommend(&state.db.conn, model, &request).await
}

/// Stores one of the visitor's storefront events, as the web pixel would.
async fn record(
    state: &AppState,
    shop_id: i64,
    visitor: &Visitor,
    kind: EventKind,
    product_id: i64,
) -> Result<(), ApiError> {
    let event = EventInput::on_product(kind, &visitor.session, product_id, Utc::now());
    signals::ingest(&state.db.conn, shop_id, &[event], Utc::now())
        .await
        .map_err(ApiError::internal)?;
    Ok(())
}

/// The recommendation modules as the theme blocks render them: a heading per module and a
/// card per item with its shopper-facing reason ("explore" marked apart).
pub(super) fn modules(recs: &RecResponse, currency: &str) -> Markup {
    html! {
        @for module in &recs.modules {
            @if !module.items.is_empty() {
                h2 { (module_title(&module.name)) }
                div.grid { @for item in &module.items { (rec_card(item, currency)) } }
            }
        }
        p.muted.small { "rec id " (recs.rec_id) " · model " (recs.model_version.as_deref().unwrap_or("cold start")) }
    }
}

pub(super) fn rec_card(item: &RecItem, currency: &str) -> Markup {
    let badge = if item.explored {
        "reason explore"
    } else {
        "reason"
    };
    html! {
        a.card href=(format!("/demo/products/{}", item.product_id)) {
            div.swatch style=(swatch(item.hue)) {}
            div.body {
                div.title { (item.title) }
                div.muted { (item.brand) }
                @if let Some(price) = item.price_minor { div { (entity::Money::from_minor(price)) " " (currency) } }
                span class=(badge) { (item.reason_text) }
            }
        }
    }
}

/// A storefront page: the shop's header with its navigation and cart, then `body`.
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
            header {
                h1 { a href="/demo" { (shop.name) } }
                form role="search" action="/demo/results" method="get" {
                    label for="demo-search" { "Search" }
                    input #demo-search type="search" name="q" placeholder="Brand, category, under 50…";
                    button type="submit" { "Search" }
                }
                nav {
                    a href="/demo" { "Home" }
                    a href="/demo/cart" { "Cart (" (visitor.cart.len()) ")" }
                }
            }
            main { (body) }
        },
    )
}

/// An HTML answer that keeps the visitor's session and cart.
pub(super) fn html_page(visitor: &Visitor, markup: Markup) -> HttpResponse {
    with_cookies(HttpResponse::Ok(), visitor)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

fn with_cookies(mut builder: HttpResponseBuilder, visitor: &Visitor) -> HttpResponseBuilder {
    for cookie in visitor.cookies() {
        builder.cookie(cookie);
    }
    builder
}
