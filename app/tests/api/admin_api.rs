//! The embedded admin's API: a preview of the lists without logging impressions, and the
//! jobs' progress, both behind the session token.

use app::ServeOptions;
use chrono::Utc;
use common::settings::DemoSettings;
use entity::{ShopDomain, shop};
use sea_orm::EntityTrait;
use serde_json::json;
use worker::jobs::PrecomputeLists;
use worker::{Job, JobContext};

use crate::helpers::{API_KEY, API_SECRET, TOKEN_KEY, TestApp, json, spawn_app_with};

/// The demo shop, trained and precomputed, opened in the admin through the fake Shopify
/// (which installs it by token exchange); returns the app, the fake and a session token.
async fn admin_on_demo_shop() -> (TestApp, shopify::fake::FakeShopify, String, i64) {
    admin_on_demo_shop_with(|_| {}).await
}

/// [`admin_on_demo_shop`] with further settings.
pub(crate) async fn admin_on_demo_shop_with(
    adjust: impl FnOnce(&mut common::Settings),
) -> (TestApp, shopify::fake::FakeShopify, String, i64) {
    let fake = shopify::fake::FakeShopify::start(API_KEY, API_SECRET);
    let template = fake.shop_url_template();
    // No background worker: the jobs the install queues must not race the assertions.
    let app = spawn_app_with(ServeOptions { with_worker: false }, |s| {
        s.shopify.api_key = API_KEY.into();
        s.shopify.api_secret = Some(API_SECRET.into());
        s.shopify.token_encryption_key = Some(TOKEN_KEY.into());
        s.shopify.shop_url_template = template;
        adjust(s);
    })
    .await;
    let settings = DemoSettings {
        products: 200,
        shoppers: 40,
        sessions: 400,
        ..Default::default()
    };
    let summary = services::demo::load(&app.db, &settings).await.unwrap();
    services::recs::train(&app.db, summary.shop_id)
        .await
        .unwrap();
    PrecomputeLists {
        shop_id: summary.shop_id,
        window: None,
    }
    .run(JobContext::new(app.db.clone()))
    .await
    .unwrap();
    let domain = shop::Entity::find_by_id(summary.shop_id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .domain;
    let token = fake.session_token(&ShopDomain::parse(&domain).unwrap(), Utc::now().timestamp());
    (app, fake, token, summary.shop_id)
}

async fn admin_get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_preview_shows_a_shoppers_list_without_logging_an_impression() {
    let (app, _fake, token, _) = admin_on_demo_shop().await;
    let product = crate::recs::some_product(&app).await;

    let response = admin_get(
        &app,
        &format!("/admin/api/recs?surface=pdp&product_id={product}&limit=6"),
        Some(&token),
    )
    .await;

    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert!(body["list_version"].is_string(), "{body}");
    let shown: usize = body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["items"].as_array().unwrap().len())
        .sum();
    assert!(shown > 0);
    assert_eq!(
        app.impression_count().await,
        0,
        "a merchant's preview is not an impression"
    );
}

#[tokio::test]
async fn the_jobs_view_shows_each_jobs_last_run_and_progress() {
    let (app, _fake, token, _) = admin_on_demo_shop().await;

    let body = json(admin_get(&app, "/admin/api/jobs", Some(&token)).await).await;

    let jobs = body["jobs"].as_array().unwrap();
    let precompute = jobs
        .iter()
        .find(|j| j["job"] == "precompute_lists")
        .unwrap();
    assert_eq!(precompute["status"], "succeeded");
    assert_eq!(precompute["progress"], json!(1.0));
    assert_eq!(precompute["done"], precompute["total"]);
    assert!(body["model_version"].is_string() && body["list_version"].is_string());
}

#[tokio::test]
async fn the_admin_api_needs_a_session_token_and_checks_parameters() {
    let (app, _fake, token, _) = admin_on_demo_shop().await;

    let anonymous = admin_get(&app, "/admin/api/jobs", None).await;
    let unknown_surface = admin_get(&app, "/admin/api/recs?surface=nowhere", Some(&token)).await;
    let unknown_product = admin_get(
        &app,
        "/admin/api/recs?surface=pdp&product_id=123",
        Some(&token),
    )
    .await;

    assert_eq!(anonymous.status(), 401);
    assert_eq!(json(anonymous).await["error"], "unauthorized");
    assert_eq!(unknown_surface.status(), 400);
    assert_eq!(unknown_product.status(), 404);
}
