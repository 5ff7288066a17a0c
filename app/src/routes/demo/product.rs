//! `GET /demo/products/{id}`: a product page — breadcrumb, illustration, description, price,
//! a variant picker with each variant's stock, quantity and add to cart — and the product
//! page's recommendation modules.

use actix_web::{HttpRequest, HttpResponse, web};
use entity::{product, variant};
use maud::{Markup, html};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use services::signals::EventKind;
use services::surface::Surface;

use super::data::{self, Names};
use super::illustration::illustration;
use super::page::{breadcrumbs, money, stock_badge};
use super::storefront::{
    demo_shop, html_page, known_product, modules, recommend, record, shop_page,
};
use super::visitor::{MAX_QUANTITY, Visitor};
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// One variant as the picker shows it.
struct Choice {
    id: i64,
    title: String,
    price_minor: i64,
    compare_at_minor: Option<i64>,
    available: i64,
}

/// Renders the product page and records the view in the visitor's session.
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
    let conn = &state.db.conn;
    let item = product::Entity::find_by_id((shop.id, product_id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "no such product"))?;
    let choices = choices(conn, shop.id, product_id).await?;
    let names = data::category_names(conn, shop.id).await?;
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
    let hue = model.display.get(&product_id).map_or(0, |d| d.hue);
    let body = html! {
        (trail(&item, &names))
        (hero(&item, &choices, &names, hue, &shop.currency))
        (modules(&recs, &model, &shop.currency))
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, &item.title, &body),
    ))
}

/// Home › department › category › product.
fn trail(item: &product::Model, names: &Names) -> Markup {
    let mut steps = vec![("Home".to_owned(), Some("/demo".to_owned()))];
    if let Some(id) = &item.category_id
        && let Some((leaf, top)) = names.get(id)
    {
        if top != leaf
            && let Some((top_id, _)) = names.iter().find(|(_, (name, _))| name == top)
        {
            steps.push((top.clone(), Some(format!("/demo/categories/{top_id}"))));
        }
        steps.push((leaf.clone(), Some(format!("/demo/categories/{id}"))));
    }
    steps.push((item.title.clone(), None));
    breadcrumbs(&steps)
}

fn hero(
    item: &product::Model,
    choices: &[Choice],
    names: &Names,
    hue: u16,
    currency: &str,
) -> Markup {
    let (category, department) = item
        .category_id
        .as_ref()
        .and_then(|id| names.get(id).cloned())
        .unwrap_or_default();
    let first = choices.first();
    let total: i64 = choices.iter().map(|c| c.available.max(0)).sum();
    html! {
        div.hero {
            (illustration(&department, hue, &format!("{} ({category})", item.title)))
            div.info {
                h2 { (item.title) }
                p.muted { (item.brand) " · " (category) }
                @if let Some(first) = first {
                    p.price { (money(first.price_minor, currency))
                        @if let Some(was) = first.compare_at_minor { " " s.muted { (money(was, currency)) } } }
                }
                (stock_badge(total))
                p { (item.description) }
                form method="post" action="/demo/cart" {
                    input type="hidden" name="product_id" value=(item.id);
                    @if choices.len() > 1 {
                        div.field {
                            label for="variant" { "Variant" }
                            select #variant name="variant_id" {
                                @for choice in choices { (option(choice, currency)) }
                            }
                        }
                    } @else if let Some(only) = first {
                        input type="hidden" name="variant_id" value=(only.id);
                    }
                    div.field {
                        label for="quantity" { "Quantity" }
                        input #quantity type="number" name="quantity" value="1" min="1" max=(MAX_QUANTITY) required;
                    }
                    button type="submit" disabled[total <= 0] { "Add to cart" }
                }
            }
        }
    }
}

fn option(choice: &Choice, currency: &str) -> Markup {
    let stock = match choice.available {
        i64::MIN..=0 => "out of stock".to_owned(),
        n => format!("{n} in stock"),
    };
    html! {
        option value=(choice.id) disabled[choice.available <= 0] {
            (choice.title) " — " (money(choice.price_minor, currency)) " — " (stock)
        }
    }
}

/// The product's variants in the merchant's order, with their stock.
async fn choices(
    conn: &DatabaseConnection,
    shop_id: i64,
    product_id: i64,
) -> Result<Vec<Choice>, DbErr> {
    let variants = variant::Entity::find()
        .filter(variant::Column::ShopId.eq(shop_id))
        .filter(variant::Column::ProductId.eq(product_id))
        .order_by_asc(variant::Column::Position)
        .all(conn)
        .await?;
    let stock = data::variant_stock(conn, shop_id, variants.iter().map(|v| v.id)).await?;
    Ok(variants
        .into_iter()
        .map(|v| Choice {
            id: v.id,
            available: stock.get(&v.id).copied().unwrap_or(0),
            title: v.title,
            price_minor: v.price_minor,
            compare_at_minor: v.compare_at_price_minor,
        })
        .collect())
}
