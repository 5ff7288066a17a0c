//! The demo shop as a small shop: product pages, category sort and pages, the cart's
//! quantities, checkout and thank-you, and HTML error pages next to the JSON API's errors.

use entity::{category, event, product, variant};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::TestApp;
use crate::recs::{demo_app, some_product};

fn shopper() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, String)],
) -> (u16, String) {
    let response = client
        .post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The product ids a page's own grid links, in order (the recommendation modules after it
/// are left out).
fn grid_products(html: &str) -> Vec<i64> {
    let grid = html
        .split("<section class=\"module\"")
        .next()
        .unwrap_or_default();
    grid.split("href=\"/demo/products/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn a_product_page_has_a_breadcrumb_description_variants_and_an_illustration() {
    let (app, _) = demo_app(true).await;
    let id = some_product(&app).await;
    let item = product::Entity::find()
        .filter(product::Column::Id.eq(id))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();

    let (status, html) = page(&shopper(), &app, &format!("/demo/products/{id}")).await;

    assert_eq!(status, 200);
    assert!(html.contains("aria-label=\"Breadcrumb\""), "{html}");
    // Escaped as the page escapes it (descriptions may hold quotes and ampersands).
    let description = maud::html! { (item.description) }.into_string();
    assert!(html.contains(&description), "the description is shown");
    assert!(html.contains("<label for=\"quantity\">Quantity</label>"));
    assert!(html.contains("<svg class=\"art\"") && html.contains("role=\"img\""));
    assert!(
        html.contains("<summary>Debug</summary>"),
        "the debug line is behind a toggle"
    );
}

#[tokio::test]
async fn cart_quantities_can_be_changed_and_lines_removed() {
    let (app, _) = demo_app(true).await;
    let id = some_product(&app).await;
    let unit = variant::Entity::find()
        .filter(variant::Column::ProductId.eq(id))
        .all(&app.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.price_minor)
        .min()
        .unwrap();
    let client = shopper();
    let line = |quantity: &str| {
        vec![
            ("product_id", id.to_string()),
            ("quantity", quantity.into()),
        ]
    };

    let (_, added) = post(&client, &app, "/demo/cart", &line("2")).await;
    let (_, updated) = post(&client, &app, "/demo/cart/update", &line("3")).await;
    let (_, removed) = post(&client, &app, "/demo/cart/remove", &line("1")[..1]).await;
    let (gone, _) = post(&client, &app, "/demo/cart/update", &line("1")).await;

    assert!(added.contains("Cart (2)"), "{added}");
    assert!(updated.contains("Cart (3)"));
    let total = format!("<b>{} ", entity::Money::from_minor(unit * 3));
    assert!(
        updated.contains(&total),
        "the total counts three units: {total}"
    );
    assert!(removed.contains("Your cart is empty") && removed.contains("Cart (0)"));
    assert_eq!(
        gone, 404,
        "a product no longer in the cart cannot be updated"
    );
}

#[tokio::test]
async fn checkout_records_the_purchase_and_thanks_with_the_post_purchase_module() {
    let (app, _) = demo_app(true).await;
    let id = some_product(&app).await;
    let client = shopper();
    let (empty_checkout, _) = post(&client, &app, "/demo/checkout", &[]).await;
    post(
        &client,
        &app,
        "/demo/cart",
        &[("product_id", id.to_string())],
    )
    .await;

    let (_, checkout) = page(&client, &app, "/demo/checkout").await;
    let (status, thanks) = post(
        &client,
        &app,
        "/demo/checkout",
        &[("email", "a@b.c".into())],
    )
    .await;

    assert_eq!(empty_checkout, 400);
    assert!(checkout.contains("Place order"), "{checkout}");
    assert_eq!(status, 200);
    assert!(thanks.contains("Thank you for your order"), "{thanks}");
    assert!(
        thanks.contains("Complete your order"),
        "post-purchase module: {thanks}"
    );
    assert!(thanks.contains("Cart (0)"));
    let purchases = event::Entity::find()
        .filter(event::Column::ProductId.eq(id))
        .filter(event::Column::Kind.eq("purchase"))
        .filter(event::Column::Device.is_null())
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(purchases.len(), 1, "one purchase event for the one line");
    let placed = entity::order::Entity::find()
        .filter(entity::order::Column::SessionId.eq(purchases[0].session_id.clone()))
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(
        placed.len(),
        1,
        "the order is stored as orders/create would"
    );
    assert_eq!(
        placed[0].anonymous_id.as_deref(),
        Some(purchases[0].anonymous_id.as_str())
    );
    assert!(placed[0].total_minor > 0);
}

#[tokio::test]
async fn category_pages_sort_by_price_and_paginate() {
    let (app, shop_id) = demo_app(true).await;
    let top = category::Entity::find()
        .filter(category::Column::ShopId.eq(shop_id))
        .filter(category::Column::ParentId.is_null())
        .all(&app.db.conn)
        .await
        .unwrap();
    let client = shopper();
    let mut paged = None;
    for c in &top {
        let (_, html) = page(&client, &app, &format!("/demo/categories/{}", c.id)).await;
        if html.contains("rel=\"next\"") {
            paged = Some(c.id.clone());
            break;
        }
    }
    let id = paged.expect("a department has more than one page of products");
    let path = |query: &str| format!("/demo/categories/{id}?{query}");

    let (_, first) = page(&client, &app, &path("sort=price_asc&page=1")).await;
    let (_, second) = page(&client, &app, &path("sort=price_asc&page=2")).await;
    let (past_end, beyond) = page(&client, &app, &path("page=999")).await;
    let (bad_sort, _) = page(&client, &app, &path("sort=cheapest")).await;
    let (page_zero, _) = page(&client, &app, &path("page=0")).await;

    let first = grid_products(&first);
    let second = grid_products(&second);
    assert_eq!(first.len(), 24);
    assert!(!second.is_empty() && second.iter().all(|p| !first.contains(p)));
    let variants = variant::Entity::find().all(&app.db.conn).await.unwrap();
    let price = |p: &i64| {
        variants
            .iter()
            .filter(|v| v.product_id == *p)
            .map(|v| v.price_minor)
            .min()
            .unwrap()
    };
    let prices: Vec<i64> = first.iter().chain(&second).map(price).collect();
    assert!(prices.is_sorted(), "{prices:?}");
    assert_eq!(past_end, 200);
    assert!(beyond.contains("No products on this page"));
    assert_eq!((bad_sort, page_zero), (400, 400));
}

#[tokio::test]
async fn unknown_demo_pages_are_html_and_the_json_api_keeps_json_errors() {
    let (app, _) = demo_app(false).await;

    let missing = app.get("/demo/no-such-page").await;
    let api = app.get("/demo/recs?surface=nowhere").await;
    let favicon = app.get("/favicon.svg").await;

    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(missing.text().await.unwrap().contains("Page not found"));
    assert_eq!(api.status(), 400);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    assert_eq!(favicon.headers()["content-type"], "image/svg+xml");
    assert!(favicon.text().await.unwrap().starts_with("<svg"));
}
