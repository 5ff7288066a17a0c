//! HTML building blocks of the demo shop (maud escapes every interpolated value): the layout,
//! the home page's body, product cards, breadcrumbs, the debug line and error pages.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use entity::domain::RecId;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::data::Card;
use super::home::{Department, Overview};
use super::illustration::illustration;
use super::style::STYLE;

pub(super) fn layout(title: &str, head_extra: &Markup, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Meander" }
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                style { (PreEscaped(STYLE)) }
                (head_extra)
            }
            body { (body) }
        }
    }
}

/// The page shown while the demo shop is still being generated and loaded.
pub fn loading(enabled: bool) -> Markup {
    let message = if enabled {
        "The demo shop is being generated and loaded by the background worker. This page refreshes by itself."
    } else {
        "The demo shop is disabled (MEANDER_DEMO__ENABLED=false). Run `app demo` to load it."
    };
    let refresh = if enabled {
        html! { meta http-equiv="refresh" content="3"; }
    } else {
        html! {}
    };
    layout(
        "Demo shop",
        &refresh,
        &html! {
            header { h1 { "Meander demo shop" } p { (message) } }
        },
    )
}

/// The HTML answer for an error on one of the demo shop's pages (the JSON API keeps its
/// JSON errors).
pub fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    let heading = match status.as_u16() {
        404 => "Page not found",
        400..=499 => "That request did not work",
        _ => "Something went wrong",
    };
    let markup = layout(
        heading,
        &html! {},
        &html! {
            header { h1 { a href="/demo" { "Meander demo shop" } } }
            main {
                h2 { (heading) }
                p { (message) }
                p.muted { "Error " (status.as_u16()) }
                p { a.button href="/demo" { "Back to the shop" } }
            }
        },
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// The body of the demo shop's home page; `picked` are its recommendation modules.
pub fn overview(view: &Overview, picked: &Markup) -> Markup {
    let totals = &view.totals;
    let currency = view.shop.currency.as_str();
    html! {
        p.muted { (view.shop.domain) " · generated demo catalog with simulated shoppers" }
        div.stats {
            (stat("products", totals.products)) (stat("variants", totals.variants))
            (stat("brands", totals.brands)) (stat("shopper events", totals.events))
            (stat("orders", totals.orders))
        }
        (picked)
        h2 { "Best sellers" }
        (grid(&view.best_sellers, currency))
        h2 { "New arrivals" }
        (grid(&view.new_arrivals, currency))
        h2 { "Departments" }
        div.depts { @for dept in &view.departments { (department(dept)) } }
    }
}

/// Product cards in a grid.
pub(super) fn grid(cards: &[Card], currency: &str) -> Markup {
    html! { div.grid { @for card in cards { (product_card(card, currency)) } } }
}

/// A price in the shop's currency.
pub(super) fn money(minor: i64, currency: &str) -> String {
    format!("{} {currency}", entity::Money::from_minor(minor))
}

/// The stock badge: out of stock, only a few left, or in stock.
pub(super) fn stock_badge(units: i64) -> Markup {
    let (class, label) = match units {
        i64::MIN..=0 => ("badge out", "out of stock".to_owned()),
        1..=5 => ("badge low", format!("only {units} left")),
        n => ("badge ok", format!("{n} in stock")),
    };
    html! { span class=(class) { (label) } }
}

/// A breadcrumb trail: every step but the last is a link.
pub(super) fn breadcrumbs(steps: &[(String, Option<String>)]) -> Markup {
    html! {
        nav.crumbs aria-label="Breadcrumb" {
            ol {
                @for (name, href) in steps {
                    li {
                        @match href {
                            Some(href) => a href=(href) { (name) },
                            None => span aria-current="page" { (name) },
                        }
                    }
                }
            }
        }
    }
}

/// The rec id and model version behind a toggle: for the merchant and engineers, not shoppers.
pub(super) fn debug_line(rec_id: RecId, model_version: Option<&str>) -> Markup {
    html! {
        details.debug {
            summary { "Debug" }
            "rec id " (rec_id) " · model " (model_version.unwrap_or("cold start"))
        }
    }
}

fn stat(label: &str, value: impl std::fmt::Display) -> Markup {
    html! { div.stat { b { (value) } span.muted { (label) } } }
}

fn product_card(card: &Card, currency: &str) -> Markup {
    html! {
        a.card href=(format!("/demo/products/{}", card.id)) {
            (illustration(&card.department, card.hue, &card.category))
            div.body {
                div.title { (card.title) }
                div.muted { (card.brand) " · " (card.category) }
                @if let Some(price) = card.price_minor { div { (money(price, currency)) } }
                (stock_badge(card.stock))
                @if let Some(units) = card.units_sold { div.muted { (units) " sold" } }
            }
        }
    }
}

fn department(dept: &Department) -> Markup {
    html! {
        div.dept {
            h3 { a href=(format!("/demo/categories/{}", dept.id)) { (dept.name) } }
            @for leaf in &dept.leaves {
                div { a href=(format!("/demo/categories/{}", leaf.id)) { (leaf.name) } " " span.muted { "(" (leaf.products) ")" } }
            }
        }
    }
}
