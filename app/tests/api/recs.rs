use std::collections::HashSet;

use app::ServeOptions;
use common::settings::DemoSettings;
use entity::{event, product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use crate::helpers::{API_SECRET, TestApp, json, spawn_app_with};

/// The demo shop loaded and its models built, without a background worker.
pub(crate) async fn demo_app(build_models: bool) -> (TestApp, i64) {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |s| {
        s.shopify.api_secret = Some(API_SECRET.into());
        s.shopify.token_encryption_key = Some(crate::helpers::TOKEN_KEY.into());
        s.shopify.api_key = crate::helpers::API_KEY.into();
    })
    .await;
    let settings = DemoSettings {
        products: 300,
        shoppers: 120,
        sessions: 900,
        ..Default::default()
    };
    let summary = services::demo::load(&app.db, &settings).await.unwrap();
    if build_models {
        services::recs::train(&app.db, summary.shop_id)
            .await
            .unwrap();
    }
    (app, summary.shop_id)
}

/// A product that is on sale, to use as a product-page seed: the same one on every run (the
/// bulk ingest stores the demo catalog in no particular order, its ids are fixed).
pub(crate) async fn some_product(app: &TestApp) -> i64 {
    product::Entity::find()
        .filter(product::Column::Status.eq("active"))
        .order_by_asc(product::Column::Id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .id
}

pub(crate) fn items(body: &Value) -> Vec<Value> {
    body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["items"].as_array().unwrap().clone())
        .collect()
}

#[tokio::test]
async fn product_page_recommendations_follow_the_rules_and_are_logged() {
    let (app, _) = demo_app(true).await;
    let seed = some_product(&app).await;

    let response = app
        .get(&format!(
            "/demo/recs?surface=pdp&product_id={seed}&session_id=s1&limit=8"
        ))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let body = json(response).await;
    let shown = items(&body);
    assert!(!shown.is_empty(), "{body}");
    assert!(body["model_version"].as_str().unwrap().starts_with('v'));
    let ids: Vec<&str> = shown
        .iter()
        .map(|i| i["product_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "duplicates: {ids:?}"
    );
    assert!(
        !ids.contains(&seed.to_string().as_str()),
        "the seed is never recommended back"
    );
    for item in &shown {
        let p = item["propensity"].as_f64().unwrap();
        assert!(p > 0.0 && p <= 1.0, "{item}");
        assert!(!item["reason"].as_str().unwrap().is_empty());
        assert!(!item["title"].as_str().unwrap().is_empty());
    }
    let rec_id = body["rec_id"].as_str().unwrap();
    let (row, items) = app.impression(rec_id).await;
    assert_eq!(app.context(&row).await.surface, "pdp");
    let logged: Vec<String> = items.iter().map(|i| i.product_id.to_string()).collect();
    assert_eq!(logged, ids, "the items as served, in order");
}

#[tokio::test]
async fn every_surface_answers() {
    let (app, _) = demo_app(true).await;
    let seed = some_product(&app).await;

    for surface in [
        "home",
        "pdp",
        "cart",
        "post_purchase",
        "email",
        "search",
        "checkout",
    ] {
        let response = app
            .get(&format!("/demo/recs?surface={surface}&product_id={seed}"))
            .await;
        assert_eq!(response.status(), 200, "{surface}");
        assert!(
            !items(&json(response).await).is_empty(),
            "{surface} served nothing"
        );
    }
}

#[tokio::test]
async fn without_models_a_cold_start_list_is_served() {
    let (app, _) = demo_app(false).await;

    let body = json(app.get("/demo/recs?surface=home").await).await;

    assert!(body["model_version"].is_null());
    assert!(!items(&body).is_empty(), "{body}");
}

#[tokio::test]
async fn bad_requests_get_clear_json_errors() {
    let (app, _) = demo_app(false).await;

    for (path, status) in [
        ("/demo/recs", 400),
        ("/demo/recs?surface=basement", 400),
        ("/demo/recs?surface=home&limit=0", 400),
        ("/demo/recs?surface=home&limit=500", 400),
        ("/demo/recs?surface=pdp&product_id=abc", 400),
        ("/demo/recs?surface=pdp&product_id=12345", 404),
        ("/demo/recs?surface=cart&cart=1,abc", 400),
        (
            &format!("/demo/recs?surface=cart&cart={}", ["1"; 101].join(",")),
            400,
        ),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        let body = json(response).await;
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn unusable_session_ids_are_ignored_rather_than_failing_the_request() {
    let (app, _) = demo_app(false).await;
    let too_long = "s".repeat(300);

    for session in ["%01control", too_long.as_str()] {
        let response = app
            .get(&format!("/demo/recs?surface=home&session_id={session}"))
            .await;

        assert_eq!(response.status(), 200, "{session}");
        let body = json(response).await;
        let (row, _) = app.impression(body["rec_id"].as_str().unwrap()).await;
        assert!(row.session_id.starts_with("rec-"), "{}", row.session_id);
    }
}

#[tokio::test]
async fn the_app_proxy_route_requires_a_valid_signature() {
    let (app, _) = demo_app(true).await;
    let seed = some_product(&app).await;
    let mut pairs: Vec<(String, String)> = [
        ("shop", "meander-demo.myshopify.com".to_owned()),
        ("logged_in_customer_id", String::new()),
        ("path_prefix", "/apps/meander".to_owned()),
        ("timestamp", chrono::Utc::now().timestamp().to_string()),
        ("surface", "pdp".to_owned()),
        ("product_id", seed.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let signature = shopify::signature::sign_app_proxy(API_SECRET.as_bytes(), &pairs);
    let query = |pairs: &[(String, String)], signature: &str| {
        let mut query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        query.push(format!("signature={signature}"));
        query.join("&")
    };

    let signed = app
        .get(&format!("/proxy/recs?{}", query(&pairs, &signature)))
        .await;
    pairs[4].1 = "home".into();
    let tampered = app
        .get(&format!("/proxy/recs?{}", query(&pairs, &signature)))
        .await;

    assert_eq!(signed.status(), 200);
    assert!(!items(&json(signed).await).is_empty());
    assert_eq!(tampered.status(), 401);
}

#[tokio::test]
async fn the_demo_product_page_shows_modules_and_remembers_the_session() {
    let (app, _) = demo_app(true).await;
    let seed = some_product(&app).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = |id: i64| {
        client
            .get(format!("{}/demo/products/{id}", app.address))
            .send()
    };

    let first = page(seed).await.unwrap();
    let cookie = first.headers().get("set-cookie").cloned();
    let html = first.text().await.unwrap();
    page(seed).await.unwrap();

    assert!(cookie.is_some_and(|c| c.to_str().unwrap().starts_with("meander_demo_session=")));
    assert!(html.contains("rec id "), "{html}");
    assert!(html.contains("/demo/products/"), "no recommendation links");
    let views = event::Entity::find()
        .filter(event::Column::Kind.eq("view"))
        .filter(event::Column::ProductId.eq(seed))
        .filter(event::Column::Device.is_null())
        .all(&app.db.conn)
        .await
        .unwrap();
    let sessions: HashSet<String> = views.iter().map(|v| v.session_id.clone()).collect();
    assert!(
        views.len() >= 2 && sessions.len() == 1,
        "both visits belong to one session"
    );
    assert_eq!(app.get("/demo/products/1").await.status(), 404);
}
