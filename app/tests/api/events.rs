use app::ServeOptions;
use chrono::{Duration, Utc};
use entity::{event, shop, shopper_identity};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json, spawn_app, spawn_app_with};

/// Inserts an installed shop and returns its ingest key.
async fn install_shop(app: &TestApp, domain: &str) -> (i64, String) {
    let key = format!("key-{}", uuid::Uuid::new_v4().simple());
    (app.install_shop(domain, &key).await, key)
}

fn view(id: &str, product: &Value) -> Value {
    json!({
        "id": id, "kind": "view", "occurred_at": Utc::now().to_rfc3339(),
        "anonymous_id": "anon-1", "session_id": "sess-1", "product_id": product,
        "device": "mobile", "referrer": "google"
    })
}

async fn post(app: &TestApp, body: String, content_type: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/events", app.address))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn post_batch(app: &TestApp, shop: &str, key: &str, events: Vec<Value>) -> reqwest::Response {
    let body = json!({ "shop": shop, "key": key, "events": events }).to_string();
    post(app, body, "application/json").await
}

async fn stored_events(app: &TestApp) -> u64 {
    event::Entity::find().count(&app.db.conn).await.unwrap()
}

#[tokio::test]
async fn a_valid_batch_is_stored_with_exact_ids() {
    let app = spawn_app().await;
    let (_, key) = install_shop(&app, "shop-a.myshopify.com").await;
    let events = vec![
        view("e1", &json!("gid://shopify/Product/9007199254740993")),
        view("e2", &json!(8_000_000_000_001_i64)),
        json!({"id": "e3", "kind": "search", "occurred_at": Utc::now().to_rfc3339(),
               "anonymous_id": "anon-1", "session_id": "sess-1", "query": "linen dress"}),
    ];

    let response = post_batch(&app, "shop-a.myshopify.com", &key, events).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        json(response).await,
        json!({"accepted": 3, "duplicates": 0, "attributed": 0})
    );
    let rows = event::Entity::find().all(&app.db.conn).await.unwrap();
    let products: Vec<Option<i64>> = rows.iter().map(|r| r.product_id).collect();
    assert!(
        products.contains(&Some(9_007_199_254_740_993)),
        "{products:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.kind == "search" && r.query.as_deref() == Some("linen dress"))
    );
}

#[tokio::test]
async fn resent_events_are_not_stored_twice() {
    let app = spawn_app().await;
    let (_, key) = install_shop(&app, "shop-b.myshopify.com").await;
    let batch = vec![view("same-1", &json!("1")), view("same-2", &json!("2"))];
    post_batch(&app, "shop-b.myshopify.com", &key, batch.clone()).await;

    let again = post_batch(&app, "shop-b.myshopify.com", &key, batch).await;

    assert_eq!(
        json(again).await,
        json!({"accepted": 0, "duplicates": 2, "attributed": 0})
    );
    assert_eq!(stored_events(&app).await, 2);
}

#[tokio::test]
async fn one_invalid_event_rejects_the_whole_batch_naming_the_field() {
    let app = spawn_app().await;
    let (_, key) = install_shop(&app, "shop-c.myshopify.com").await;
    let mut bad = view("bad", &json!("3"));
    bad["propensity"] = json!(1.5);

    let response = post_batch(
        &app,
        "shop-c.myshopify.com",
        &key,
        vec![view("ok", &json!("4")), bad],
    )
    .await;

    assert_eq!(response.status(), 400);
    let body = json(response).await;
    assert_eq!(body["error"], "bad_request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("events[1].propensity"),
        "{body}"
    );
    assert_eq!(stored_events(&app).await, 0);
}

#[tokio::test]
async fn malformed_and_oversized_batches_are_refused() {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |s| {
        s.server.body_limit_bytes = 32_768
    })
    .await;
    let (_, key) = install_shop(&app, "shop-d.myshopify.com").await;
    let stale = json!({"kind": "view", "occurred_at": (Utc::now() - Duration::days(30)).to_rfc3339(),
                       "anonymous_id": "a", "session_id": "s", "product_id": "5"});
    let unknown_field = json!({"kind": "view", "occurred_at": Utc::now().to_rfc3339(),
                       "anonymous_id": "a", "session_id": "s", "product_id": "5", "price": 3});
    let cases = [
        (
            post(&app, "{not json".into(), "application/json").await,
            400,
        ),
        (
            post_batch(&app, "shop-d.myshopify.com", &key, vec![stale]).await,
            400,
        ),
        (
            post_batch(&app, "shop-d.myshopify.com", &key, vec![unknown_field]).await,
            400,
        ),
        (
            post_batch(&app, "evil.example.com", &key, vec![]).await,
            400,
        ),
        (
            post_batch(
                &app,
                "shop-d.myshopify.com",
                &key,
                vec![view("x", &json!("1")); 101],
            )
            .await,
            400,
        ),
        (
            post(&app, "x".repeat(40_000), "application/json").await,
            413,
        ),
    ];

    for (response, status) in cases {
        assert_eq!(response.status(), status);
        let body = json(response).await;
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{body}"
        );
    }
    assert_eq!(stored_events(&app).await, 0);
}

#[tokio::test]
async fn wrong_keys_unknown_and_uninstalled_shops_are_refused() {
    let app = spawn_app().await;
    let (shop_id, key) = install_shop(&app, "shop-e.myshopify.com").await;
    let batch = vec![view("e", &json!("1"))];

    let wrong_key = post_batch(&app, "shop-e.myshopify.com", "nope", batch.clone()).await;
    let unknown = post_batch(&app, "nobody.myshopify.com", &key, batch.clone()).await;
    let mut row: shop::ActiveModel = shop::Entity::find_by_id(shop_id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.uninstalled_at = Set(Some(Utc::now()));
    row.update(&app.db.conn).await.unwrap();
    let uninstalled = post_batch(&app, "shop-e.myshopify.com", &key, batch).await;

    assert_eq!(wrong_key.status(), 401);
    assert_eq!(json(unknown).await["error"], "unauthorized");
    assert_eq!(uninstalled.status(), 403);
    assert_eq!(stored_events(&app).await, 0);
}

#[tokio::test]
async fn beacons_sent_as_text_plain_are_accepted_and_logins_link_identities() {
    let app = spawn_app().await;
    let (shop_id, key) = install_shop(&app, "shop-f.myshopify.com").await;
    let mut login = view("l1", &json!("7"));
    login["customer_id"] = json!("gid://shopify/Customer/555");
    let body = json!({"shop": "shop-f.myshopify.com", "key": key, "events": [login]}).to_string();

    let response = post(&app, body, "text/plain;charset=UTF-8").await;

    assert_eq!(response.status(), 200);
    let link = shopper_identity::Entity::find_by_id((shop_id, "anon-1".to_owned()))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.customer_id, 555);
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after() {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |s| {
        s.events.rate_per_second = 1;
        s.events.burst = 2;
    })
    .await;
    let (_, key) = install_shop(&app, "shop-g.myshopify.com").await;

    let mut statuses = Vec::new();
    for n in 0..3 {
        let response = post_batch(
            &app,
            "shop-g.myshopify.com",
            &key,
            vec![view(&format!("r{n}"), &json!("1"))],
        )
        .await;
        statuses.push((
            response.status().as_u16(),
            response.headers().get("retry-after").cloned(),
        ));
    }

    assert_eq!(statuses[0].0, 200);
    assert_eq!(statuses[1].0, 200);
    assert_eq!(statuses[2].0, 429);
    assert!(statuses[2].1.is_some());
}

#[tokio::test]
async fn cors_preflight_allows_storefront_origins() {
    let app = spawn_app().await;

    let response = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/events", app.address))
        .header("origin", "https://shop-h.myshopify.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();

    assert!(response.status().is_success(), "{}", response.status());
    let allowed = response.headers()["access-control-allow-origin"]
        .to_str()
        .unwrap();
    assert!(
        allowed == "*" || allowed == "https://shop-h.myshopify.com",
        "{allowed}"
    );
}
