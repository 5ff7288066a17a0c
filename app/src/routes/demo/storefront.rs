//! `GET /demo/products/{id}`: a product page of the demo shop with the recommendation
//! modules rendered as the theme blocks render them. Each visit records a view in the
//! browser's session (a cookie), so the re-rank reacts to the pages just viewed.

use actix_web::cookie::Cookie;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use maud::{Markup, html};
use worker::signals::{self, EventInput, EventKind};

use super::page::layout;
use crate::error::{ApiError, ErrorKind};
use crate::serving::cache::ShopModel;
use crate::serving::{self, RecItem, RecRequest, RecResponse};
use crate::state::AppState;

const SESSION_COOKIE: &str = "meander_demo_session";

/// Renders the product page and its recommendation modules.
///
/// # Errors
/// 404 for an unknown product or before the demo shop is loaded; 500 on storage failures.
pub async fn product_page(
    req: HttpRequest,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let product_id = path.into_inner();
    let shop = worker::demo::ready_demo_shop(&state.db.conn)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "the demo shop is not loaded yet"))?;
    let model = state.models.get(&state.db.conn, shop.id).await?;
    if model.view.catalog.id_of(product_id).is_none() {
        return Err(ApiError::new(
            ErrorKind::NotFound,
            format!("no product {product_id}"),
        ));
    }
    let session = req
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    record_view(&state, shop.id, product_id, &session).await?;
    let request = RecRequest {
        shop_id: shop.id,
        surface: "pdp".into(),
        product_id: Some(product_id),
        session_id: Some(session.clone()),
        anonymous_id: Some(session.clone()),
        customer_id: None,
        traffic_source: ranker::TrafficSource::Direct,
        modules: None,
        limit: 6,
    };
    let recs = serving::recommend(&state.db.conn, &model, &request).await?;
    let markup = render(&model, product_id, &recs, &shop.currency);
    Ok(HttpResponse::Ok()
        .cookie(
            Cookie::build(SESSION_COOKIE, session)
                .path("/demo")
                .http_only(true)
                .finish(),
        )
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string()))
}

async fn record_view(
    state: &AppState,
    shop_id: i64,
    product_id: i64,
    session: &str,
) -> Result<(), ApiError> {
    let view = EventInput {
        id: None,
        kind: EventKind::View,
        occurred_at: Utc::now(),
        anonymous_id: session.to_owned(),
        session_id: session.to_owned(),
        customer_id: None,
        product_id: Some(product_id),
        variant_id: None,
        query: None,
        surface: None,
        rec_id: None,
        position: None,
        propensity: None,
        referrer: Some("direct".into()),
        device: None,
    };
    signals::ingest(&state.db.conn, shop_id, &[view], Utc::now())
        .await
        .map_err(ApiError::internal)?;
    Ok(())
}

fn swatch(hue: u16) -> String {
    format!("background:linear-gradient(135deg,hsl({hue},55%,72%),hsl({hue},45%,52%))")
}

fn render(model: &ShopModel, product_id: i64, recs: &RecResponse, currency: &str) -> Markup {
    let display = model.display.get(&product_id);
    let title = display.map_or("Product", |d| d.title.as_str());
    let facts = model.view.facts.get(&product_id);
    layout(
        title,
        &html! {},
        &html! {
            header {
                h1 { "Meander demo shop" }
                nav { a href="/demo" { "← Catalog" } }
            }
            main {
                div.hero {
                    div.swatch style=(swatch(display.map_or(0, |d| d.hue))) {}
                    div {
                        h2 { (title) }
                        div.muted { (display.map_or("", |d| d.brand.as_str())) }
                        @if let Some(f) = facts {
                            p { (entity::Money::from_minor(f.price_minor)) " " (currency) }
                            p.muted { (f.available) " in stock · " (f.health.as_str()) }
                        }
                    }
                }
                @for module in &recs.modules {
                    @if !module.items.is_empty() {
                        h2 { (module.name) }
                        div.grid { @for item in &module.items { (rec_card(item, currency)) } }
                    }
                }
                p.muted { "rec id " (recs.rec_id) " · model " (recs.model_version.as_deref().unwrap_or("cold start")) }
            }
        },
    )
}

fn rec_card(item: &RecItem, currency: &str) -> Markup {
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
                span class=(badge) { (item.reason) }
            }
        }
    }
}
