//! The demo shop's checkout: `GET /demo/checkout` (order summary, a contact field and the
//! checkout module), `POST /demo/checkout` (records one purchase per line, turns the cart into
//! the order) and `GET /demo/thank-you` (the order and the post-purchase module).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use maud::{Markup, html};
use services::signals::EventKind;
use services::surface::Surface;

use super::cart::{PricedLine, priced, total_minor};
use super::page::money;
use super::storefront::{demo_shop, html_page, modules, recommend, record, see_other, shop_page};
use super::visitor::Visitor;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Renders the checkout step: what is ordered, a contact field, and the checkout module.
///
/// # Errors
/// 404 before the demo shop is loaded; 500 on storage failures.
pub async fn checkout_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (shop, model) = demo_shop(&state).await?;
    let visitor = Visitor::from_request(&req);
    let lines = priced(&state.db.conn, shop.id, &visitor.cart).await?;
    let body = if lines.is_empty() {
        html! {
            h2 { "Checkout" }
            p { "Your cart is empty. " a href="/demo" { "Keep shopping" } }
        }
    } else {
        let recs = recommend(&state, shop.id, &model, &visitor, Surface::Checkout, None).await?;
        html! {
            h2 { "Checkout" }
            div.panel {
                (summary(&lines, &shop.currency))
                form method="post" action="/demo/checkout" {
                    div.field {
                        label for="email" { "Email for the receipt" }
                        input #email type="email" name="email" autocomplete="email" value="shopper@example.com" required;
                    }
                    p.muted.small { "A demo: nothing is charged, shipped or stored besides the purchase events." }
                    button type="submit" { "Place order" }
                }
            }
            (modules(&recs, &model, &shop.currency))
        }
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, "Checkout", &body),
    ))
}

/// Places the order: one purchase event per line in the visitor's session (as the pixel's
/// `checkout_completed` would) and the order itself (as the `orders/create` webhook would),
/// then the thank-you page.
///
/// # Errors
/// 400 for an empty cart; 404 before the demo shop is loaded; 500 on storage failures.
pub async fn place_order(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (shop, model) = demo_shop(&state).await?;
    let mut visitor = Visitor::from_request(&req);
    let sold: Vec<i64> = visitor
        .cart_products()
        .into_iter()
        .filter(|id| model.view.catalog.id_of(*id).is_some())
        .collect();
    let lines = priced(&state.db.conn, shop.id, &visitor.cart).await?;
    if sold.is_empty() || lines.is_empty() {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            "Your cart is empty: there is nothing to order.",
        ));
    }
    for product in sold {
        record(&state, shop.id, &visitor, EventKind::Purchase, product).await?;
    }
    let order_lines: Vec<_> = lines.iter().map(PricedLine::order_line).collect();
    services::demo::place_order(
        &state.db.conn,
        shop.id,
        &visitor.session,
        &shop.currency,
        &order_lines,
        Utc::now(),
    )
    .await?;
    visitor.place_order();
    Ok(see_other(&visitor, "/demo/thank-you"))
}

/// Thanks the shopper for the last order and shows the post-purchase module, seeded by the
/// order's newest line.
///
/// # Errors
/// 404 before the demo shop is loaded; 500 on storage failures.
pub async fn thank_you_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (shop, model) = demo_shop(&state).await?;
    let visitor = Visitor::from_request(&req);
    let lines = priced(&state.db.conn, shop.id, &visitor.order).await?;
    let body = match lines.last() {
        None => html! {
            h2 { "No order yet" }
            p { "Once you place an order, it shows here. " a href="/demo" { "Keep shopping" } }
        },
        Some(newest) => {
            let seed = Some(newest.card.id);
            let recs = recommend(
                &state,
                shop.id,
                &model,
                &visitor,
                Surface::PostPurchase,
                seed,
            )
            .await?;
            html! {
                h2 { "Thank you for your order!" }
                div.panel { (summary(&lines, &shop.currency)) }
                (modules(&recs, &model, &shop.currency))
            }
        }
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, "Thank you", &body),
    ))
}

fn summary(lines: &[PricedLine], currency: &str) -> Markup {
    html! {
        ul {
            @for priced in lines {
                li {
                    (priced.line.quantity) " × " (priced.card.title)
                    @if let Some(v) = &priced.variant { " (" (v) ")" }
                    " — " (money(priced.total_minor(), currency))
                }
            }
        }
        p { b { "Total " (money(total_minor(lines), currency)) } }
    }
}
