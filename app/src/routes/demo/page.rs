//! HTML for the demo overview (maud escapes every interpolated value).

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::data::{Card, Department, Overview};

const STYLE: &str = r"
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1f2328;background:#fafafa}
header{background:#1f2328;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;color:#c9d1d9;font-size:14px}
main{padding:24px 32px;max-width:1200px}
.stats{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:24px}
.stat{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px;min-width:120px}
.stat b{display:block;font-size:22px}
h2{font-size:18px;margin:28px 0 12px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:14px}
.card{display:block;color:inherit;text-decoration:none;background:#fff;border:1px solid #e5e7eb;border-radius:8px;overflow:hidden;font-size:13px}
.card:hover{border-color:#9ca3af}
.reason{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;margin-top:4px;background:#e0e7ff;color:#3730a3}
.explore{background:#fae8ff;color:#86198f}
.hero{display:flex;gap:24px;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:16px}
.hero .swatch{width:260px;height:260px;border-radius:6px}
nav a{color:#c9d1d9;margin-right:14px;font-size:14px}
.swatch{height:110px}
.card div.body{padding:8px 10px}
.card .title{font-weight:600;margin-bottom:4px}
.muted{color:#6b7280}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11px;margin-top:4px}
.out{background:#fee2e2;color:#991b1b}.low{background:#fef3c7;color:#92400e}.ok{background:#dcfce7;color:#166534}
.depts{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.dept{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;font-size:13px}
.dept h3{margin:0 0 6px;font-size:14px}
header h1 a{color:#fff;text-decoration:none}
.dept a{color:#1f2328}
button{background:#1f2328;color:#fff;border:0;border-radius:6px;padding:8px 16px;font-size:14px;cursor:pointer}
table.cart{background:#fff;border:1px solid #e5e7eb;border-radius:8px;border-collapse:collapse;min-width:480px}
table.cart td{padding:8px 12px;border-top:1px solid #f0f0f0;font-size:14px}
.small{font-size:11px;margin-top:16px}
";

pub(super) fn layout(title: &str, head_extra: &Markup, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Meander" }
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

/// A product image placeholder in the product's colour (the demo has no images).
pub(super) fn swatch(hue: u16) -> String {
    format!("background:linear-gradient(135deg,hsl({hue},55%,72%),hsl({hue},45%,52%))")
}

pub(super) fn stat(label: &str, value: impl std::fmt::Display) -> Markup {
    html! { div.stat { b { (value) } span.muted { (label) } } }
}

fn product_card(card: &Card, currency: &str) -> Markup {
    let swatch = swatch(card.hue);
    let (class, label) = match card.stock {
        0 => ("badge out", "out of stock".to_owned()),
        1..=5 => ("badge low", format!("only {} left", card.stock)),
        n => ("badge ok", format!("{n} in stock")),
    };
    html! {
        a.card href=(format!("/demo/products/{}", card.id)) {
            div.swatch style=(swatch) {}
            div.body {
                div.title { (card.title) }
                div.muted { (card.brand) " · " (card.category) }
                @if let Some(price) = card.price_minor { div { (entity::Money::from_minor(price)) " " (currency) } }
                span class=(class) { (label) }
                @if let Some(units) = card.units_sold { div.muted { (units) " sold" } }
            }
        }
    }
}

fn department(dept: &Department) -> Markup {
    html! {
        div.dept {
            h3 { (dept.name) }
            @for leaf in &dept.leaves {
                div { a href=(format!("/demo/categories/{}", leaf.id)) { (leaf.name) } " " span.muted { "(" (leaf.products) ")" } }
            }
        }
    }
}
