//! The demo shop's cart: `GET /demo/cart` (lines with quantities, remove, total, the cart
//! modules), `POST /demo/cart` (add), `POST /demo/cart/update` (set a line's quantity; 0
//! removes it) and `POST /demo/cart/remove`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use entity::variant;
use maud::{Markup, html};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde::Deserialize;
use services::demo::DemoOrderLine;
use services::signals::EventKind;
use services::surface::Surface;

use super::data::{self, Card};
use super::page::money;
use super::storefront::{
    demo_shop, html_page, known_product, modules, recommend, record, see_other, shop_page,
};
use super::visitor::{CartLine, MAX_QUANTITY, Visitor};
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// A cart line with what the page shows of it.
pub(super) struct PricedLine {
    pub line: CartLine,
    pub card: Card,
    /// The variant's title ("M / Navy"), when the product has several.
    pub variant: Option<String>,
    /// Price of one unit, minor units.
    pub unit_minor: i64,
}

impl PricedLine {
    pub fn total_minor(&self) -> i64 {
        self.unit_minor * i64::from(self.line.quantity)
    }

    /// The line as the order stores it.
    pub fn order_line(&self) -> DemoOrderLine {
        DemoOrderLine {
            product_id: self.card.id,
            variant_id: self.line.variant,
            quantity: i64::from(self.line.quantity),
            unit_minor: self.unit_minor,
        }
    }
}

/// The add-to-cart form of the product page.
#[derive(Debug, Deserialize)]
pub struct AddToCart {
    product_id: i64,
    variant_id: Option<i64>,
    quantity: Option<u32>,
}

/// A line's quantity change (0 removes the line).
#[derive(Debug, Deserialize)]
pub struct UpdateLine {
    product_id: i64,
    quantity: u32,
}

/// The line to remove.
#[derive(Debug, Deserialize)]
pub struct RemoveLine {
    product_id: i64,
}

/// Renders the cart with the cart modules seeded by every line (the home modules while the
/// cart is empty).
///
/// # Errors
/// 404 before the demo shop is loaded; 500 on storage failures.
pub async fn cart_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (shop, model) = demo_shop(&state).await?;
    let visitor = Visitor::from_request(&req);
    let lines = priced(&state.db.conn, shop.id, &visitor.cart).await?;
    let surface = if lines.is_empty() {
        Surface::Home
    } else {
        Surface::Cart
    };
    let recs = recommend(&state, shop.id, &model, &visitor, surface, None).await?;
    let body = html! {
        h2 { "Your cart" }
        @if lines.is_empty() {
            p.muted { "Your cart is empty." }
        } @else {
            (table(&lines, &shop.currency))
            p { a.button href="/demo/checkout" { "Check out" } }
        }
        (modules(&recs, &model, &shop.currency))
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, "Cart", &body),
    ))
}

/// Records the add to cart in the session, puts the product in the cart and shows the cart.
///
/// # Errors
/// 400 for a bad quantity or a variant of another product; 404 for an unknown product or
/// before the demo shop is loaded; 500 on storage failures.
pub async fn add_to_cart(
    req: HttpRequest,
    form: web::Form<AddToCart>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let quantity = form.quantity.unwrap_or(1);
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(bad_quantity());
    }
    let (shop, model) = demo_shop(&state).await?;
    known_product(&model, form.product_id)?;
    if let Some(id) = form.variant_id {
        let owner = variant::Entity::find_by_id((shop.id, id))
            .one(&state.db.conn)
            .await?
            .map(|v| v.product_id);
        if owner != Some(form.product_id) {
            return Err(ApiError::new(
                ErrorKind::BadRequest,
                format!(
                    "Variant {id} is not a variant of product {}.",
                    form.product_id
                ),
            ));
        }
    }
    let mut visitor = Visitor::from_request(&req);
    record(
        &state,
        shop.id,
        &visitor,
        EventKind::AddToCart,
        form.product_id,
    )
    .await?;
    visitor.add_to_cart(form.product_id, form.variant_id, quantity);
    Ok(see_other(&visitor, "/demo/cart"))
}

/// Sets the quantity of a line and shows the cart again.
///
/// # Errors
/// 400 for a quantity above the limit; 404 for a product not in the cart.
pub async fn update_line(
    req: HttpRequest,
    form: web::Form<UpdateLine>,
) -> Result<HttpResponse, ApiError> {
    if form.quantity > MAX_QUANTITY {
        return Err(bad_quantity());
    }
    let mut visitor = Visitor::from_request(&req);
    if !visitor.set_quantity(form.product_id, form.quantity) {
        return Err(not_in_cart(form.product_id));
    }
    Ok(see_other(&visitor, "/demo/cart"))
}

/// Takes a line out of the cart and shows the cart again.
///
/// # Errors
/// 404 for a product not in the cart.
pub async fn remove_line(
    req: HttpRequest,
    form: web::Form<RemoveLine>,
) -> Result<HttpResponse, ApiError> {
    let mut visitor = Visitor::from_request(&req);
    if visitor.remove(form.product_id).is_none() {
        return Err(not_in_cart(form.product_id));
    }
    Ok(see_other(&visitor, "/demo/cart"))
}

fn bad_quantity() -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        format!("The quantity must be a whole number from 1 to {MAX_QUANTITY}."),
    )
}

fn not_in_cart(product: i64) -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        format!("Product {product} is not in your cart."),
    )
}

/// The cart's lines with their cards, variant titles and unit prices (the picked variant's,
/// else the product's lowest); lines of products no longer sold are left out.
pub(super) async fn priced(
    conn: &DatabaseConnection,
    shop_id: i64,
    lines: &[CartLine],
) -> Result<Vec<PricedLine>, DbErr> {
    let products: Vec<i64> = lines.iter().map(|line| line.product).collect();
    let mut cards: HashMap<i64, Card> = data::cards_of(conn, shop_id, &products)
        .await?
        .into_iter()
        .map(|card| (card.id, card))
        .collect();
    let variants: HashMap<i64, variant::Model> = variant::Entity::find()
        .filter(variant::Column::ShopId.eq(shop_id))
        .filter(variant::Column::Id.is_in(lines.iter().filter_map(|line| line.variant)))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    Ok(lines
        .iter()
        .filter_map(|line| {
            let card = cards.remove(&line.product)?;
            let chosen = line.variant.and_then(|id| variants.get(&id));
            Some(PricedLine {
                line: *line,
                variant: chosen
                    .map(|v| v.title.clone())
                    .filter(|t| t != "Default Title"),
                unit_minor: chosen
                    .map(|v| v.price_minor)
                    .or(card.price_minor)
                    .unwrap_or(0),
                card,
            })
        })
        .collect())
}

/// The sum of the lines.
pub(super) fn total_minor(lines: &[PricedLine]) -> i64 {
    lines.iter().map(PricedLine::total_minor).sum()
}

fn table(lines: &[PricedLine], currency: &str) -> Markup {
    html! {
        table.cart {
            caption.muted { "Items in your cart" }
            thead { tr { th scope="col" { "Product" } th scope="col" { "Quantity" } th scope="col" { "Price" } th scope="col" { span.muted { "Remove" } } } }
            tbody {
                @for priced in lines { (row(priced, currency)) }
            }
            tfoot { tr { th scope="row" { "Total" } td {} td { b { (money(total_minor(lines), currency)) } } td {} } }
        }
    }
}

fn row(priced: &PricedLine, currency: &str) -> Markup {
    let id = priced.card.id;
    let field = format!("quantity-{id}");
    html! {
        tr {
            td {
                a href=(format!("/demo/products/{id}")) { (priced.card.title) }
                div.muted.small { (priced.card.brand) @if let Some(v) = &priced.variant { " · " (v) } }
            }
            td {
                form method="post" action="/demo/cart/update" {
                    input type="hidden" name="product_id" value=(id);
                    label.muted.small for=(field) { "Quantity" }
                    input id=(field) type="number" name="quantity" min="0" max=(MAX_QUANTITY) value=(priced.line.quantity);
                    button type="submit" { "Update" }
                }
            }
            td { (money(priced.total_minor(), currency)) }
            td {
                form method="post" action="/demo/cart/remove" {
                    input type="hidden" name="product_id" value=(id);
                    button.link type="submit" aria-label=(format!("Remove {}", priced.card.title)) { "Remove" }
                }
            }
        }
    }
}
