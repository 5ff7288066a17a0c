//! The app proxy: signature, freshness and replay checks, through HTTP.

use chrono::Utc;

use crate::helpers::{TestApp, json, spawn_shopify_app};
use crate::shopify_auth::install_by_token_exchange;

const SHOP: &str = "proxy-shop.myshopify.com";

async fn proxy(app: &TestApp, query: &str) -> reqwest::Response {
    app.get(&format!("/proxy/status?{query}")).await
}

#[tokio::test]
async fn a_correctly_signed_proxy_request_reaches_the_handler() {
    let (app, fake) = spawn_shopify_app().await;
    install_by_token_exchange(&app, &fake, SHOP).await;
    let query = fake.app_proxy_query(
        SHOP,
        Some(123),
        Utc::now().timestamp(),
        &[("extra", "1"), ("extra", "2")],
    );

    let response = proxy(&app, &query).await;

    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["shop"], SHOP);
    assert_eq!(body["installed"], true);
    assert_eq!(body["logged_in_customer_id"], 123);
    assert_eq!(body["path_prefix"], "/apps/meander");
}

#[tokio::test]
async fn an_anonymous_visitor_has_no_customer_id() {
    let (app, fake) = spawn_shopify_app().await;
    let query = fake.app_proxy_query(SHOP, None, Utc::now().timestamp(), &[]);

    let body = json(proxy(&app, &query).await).await;

    assert!(body["logged_in_customer_id"].is_null());
    assert_eq!(body["installed"], false);
}

#[tokio::test]
async fn tampered_stale_replayed_or_unsigned_proxy_requests_are_refused() {
    let (app, fake) = spawn_shopify_app().await;
    let now = Utc::now().timestamp();

    let good = fake.app_proxy_query(SHOP, Some(1), now, &[]);
    let tampered = good.replace("logged_in_customer_id=1", "logged_in_customer_id=2");
    let response = proxy(&app, &tampered).await;
    assert_eq!(response.status(), 401);
    assert_eq!(json(response).await["error"], "unauthorized");

    let stale = fake.app_proxy_query(SHOP, Some(1), now - 120, &[]);
    assert_eq!(proxy(&app, &stale).await.status(), 401);
    let future = fake.app_proxy_query(SHOP, Some(1), now + 120, &[]);
    assert_eq!(proxy(&app, &future).await.status(), 401);

    assert_eq!(proxy(&app, &good).await.status(), 200);
    let replay = proxy(&app, &good).await;
    assert_eq!(replay.status(), 403);
    assert_eq!(json(replay).await["error"], "forbidden");

    assert_eq!(
        proxy(&app, &format!("shop={SHOP}&timestamp={now}"))
            .await
            .status(),
        401
    );
    let not_myshopify = fake.app_proxy_query("evil.example.com", None, now, &[]);
    assert_eq!(proxy(&app, &not_myshopify).await.status(), 400);
}
