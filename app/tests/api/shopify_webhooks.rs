//! `POST /webhooks`: HMAC before parsing, durable dedupe, and the topics' real effects.

use chrono::Utc;
use entity::{data_export, event, order, order_line, shop, webhook_receipt};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;
use shopify::fake::FakeShopify;

use crate::helpers::{BACKGROUND_WORK, TestApp, eventually, json, spawn_shopify_app};
use crate::shopify_auth::install_by_token_exchange;

pub(crate) const SHOP: &str = "tidy-tent.myshopify.com";
pub(crate) const CUSTOMER: i64 = 7_208_349_912_345;
pub(crate) const OTHER_CUSTOMER: i64 = 42;

async fn post_webhook(
    app: &TestApp,
    headers: &[(&str, String)],
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut request = app.client.post(format!("{}/webhooks", app.address));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.body(body).send().await.unwrap()
}

pub(crate) async fn deliver(
    app: &TestApp,
    fake: &FakeShopify,
    topic: &str,
    id: &str,
    body: &serde_json::Value,
) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    let headers = fake.webhook_headers(topic, SHOP, id, &bytes);
    post_webhook(app, &headers, bytes).await
}

pub(crate) async fn receipt(app: &TestApp, id: &str) -> Option<webhook_receipt::Model> {
    webhook_receipt::Entity::find_by_id(id.to_owned())
        .one(&app.db.conn)
        .await
        .unwrap()
}

pub(crate) async fn wait_processed(app: &TestApp, id: &str) -> webhook_receipt::Model {
    let done = eventually(BACKGROUND_WORK, || async {
        receipt(app, id)
            .await
            .is_some_and(|r| r.processed_at.is_some())
    })
    .await;
    assert!(done, "webhook {id} not processed");
    receipt(app, id).await.unwrap()
}

async fn shop_row(app: &TestApp) -> Option<shop::Model> {
    shop::Entity::find()
        .filter(shop::Column::Domain.eq(SHOP))
        .one(&app.db.conn)
        .await
        .unwrap()
}

/// Two customers' events and orders in the shop.
async fn seed_customers(app: &TestApp, shop_id: i64) {
    let now = Utc::now();
    for (i, customer) in [CUSTOMER, OTHER_CUSTOMER].into_iter().enumerate() {
        let i = i64::try_from(i).unwrap();
        event::ActiveModel {
            shop_id: Set(shop_id),
            kind: Set("view".into()),
            anonymous_id: Set(format!("anon-{i}")),
            customer_id: Set(Some(customer)),
            session_id: Set(format!("s-{i}")),
            product_id: Set(Some(100 + i)),
            occurred_at: Set(now),
            received_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db.conn)
        .await
        .unwrap();
        order::ActiveModel {
            shop_id: Set(shop_id),
            id: Set(9_000 + i),
            customer_id: Set(Some(customer)),
            session_id: Set(None),
            anonymous_id: Set(None),
            currency: Set("EUR".into()),
            total_minor: Set(2_500),
            placed_at: Set(now),
        }
        .insert(&app.db.conn)
        .await
        .unwrap();
        order_line::ActiveModel {
            shop_id: Set(shop_id),
            order_id: Set(9_000 + i),
            line_no: Set(0),
            product_id: Set(Some(100 + i)),
            variant_id: Set(None),
            quantity: Set(1),
            price_minor: Set(2_500),
        }
        .insert(&app.db.conn)
        .await
        .unwrap();
    }
}

async fn count_for(app: &TestApp, shop_id: i64, customer: i64) -> (u64, u64) {
    let events = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::CustomerId.eq(customer))
        .count(&app.db.conn)
        .await
        .unwrap();
    let orders = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::CustomerId.eq(customer))
        .count(&app.db.conn)
        .await
        .unwrap();
    (events, orders)
}

#[tokio::test]
async fn webhook_with_bad_missing_or_duplicated_hmac_is_rejected() {
    let (app, fake) = spawn_shopify_app().await;
    let body = br#"{"id":1}"#.to_vec();
    let good = fake.webhook_headers("products/update", SHOP, "w-1", &body);

    let mut bad = good.clone();
    bad[1].1 = shopify::signature::sign_webhook(b"not-the-secret", &body);
    let response = post_webhook(&app, &bad, body.clone()).await;
    assert_eq!(response.status(), 401);
    assert_eq!(json(response).await["error"], "unauthorized");

    let missing: Vec<_> = good
        .iter()
        .filter(|(n, _)| *n != "X-Shopify-Hmac-Sha256")
        .cloned()
        .collect();
    assert_eq!(
        post_webhook(&app, &missing, body.clone()).await.status(),
        401
    );

    let mut twice = good.clone();
    twice.push(good[1].clone());
    assert_eq!(post_webhook(&app, &twice, body.clone()).await.status(), 401);

    let tampered = br#"{"id":2}"#.to_vec();
    assert_eq!(post_webhook(&app, &good, tampered).await.status(), 401);
    assert!(receipt(&app, "w-1").await.is_none(), "nothing stored");
}

#[tokio::test]
async fn compliance_topic_with_bad_hmac_answers_401() {
    let (app, fake) = spawn_shopify_app().await;
    let body = br#"{"shop_domain":"tidy-tent.myshopify.com"}"#.to_vec();
    let mut headers = fake.webhook_headers("shop/redact", SHOP, "w-c", &body);
    headers[1].1 = "AAAA".into();

    let response = post_webhook(&app, &headers, body).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn signed_but_malformed_webhooks_get_a_clear_400() {
    let (app, fake) = spawn_shopify_app().await;
    let body = b"not json".to_vec();
    let headers = fake.webhook_headers("products/update", SHOP, "w-2", &body);
    let response = post_webhook(&app, &headers, body).await;
    assert_eq!(response.status(), 400);
    assert_eq!(json(response).await["error"], "bad_request");

    let body = br#"{}"#.to_vec();
    let no_id: Vec<_> = fake
        .webhook_headers("products/update", SHOP, "w-3", &body)
        .into_iter()
        .filter(|(n, _)| *n != "X-Shopify-Webhook-Id")
        .collect();
    assert_eq!(post_webhook(&app, &no_id, body.clone()).await.status(), 400);

    let foreign = fake.webhook_headers("products/update", "evil.example.com", "w-4", &body);
    assert_eq!(post_webhook(&app, &foreign, body).await.status(), 400);
}

#[tokio::test]
async fn oversized_webhook_bodies_are_refused_with_413() {
    let (app, fake) = spawn_shopify_app().await;
    let body = vec![b' '; 3 * 1024 * 1024];
    let headers = fake.webhook_headers("products/update", SHOP, "w-big", &body);

    let response = post_webhook(&app, &headers, body).await;

    assert_eq!(response.status(), 413);
    assert!(json(response).await["message"].is_string());
}

#[tokio::test]
async fn duplicate_webhook_ids_are_processed_once() {
    let (app, fake) = spawn_shopify_app().await;
    install_by_token_exchange(&app, &fake, SHOP).await;
    let body = json!({"name": "Tidy Tent Co", "currency": "EUR", "plan_name": "basic"});

    let first = deliver(&app, &fake, "shop/update", "w-dup", &body).await;
    let second = deliver(&app, &fake, "shop/update", "w-dup", &body).await;

    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    assert_eq!(json(second).await["duplicate"], true);
    let processed = wait_processed(&app, "w-dup").await;
    assert_eq!(processed.outcome.as_deref(), Some("processed"));
    let stored = shop_row(&app).await.unwrap();
    assert_eq!(stored.name, "Tidy Tent Co");
    assert_eq!(stored.currency, "EUR");
    assert_eq!(stored.plan.as_deref(), Some("basic"));
    let receipts = webhook_receipt::Entity::find()
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(receipts, 1);
}

#[tokio::test]
async fn customers_redact_deletes_that_customers_data_only() {
    let (app, fake) = spawn_shopify_app().await;
    let shop = install_by_token_exchange(&app, &fake, SHOP).await;
    seed_customers(&app, shop.id).await;
    let body = json!({
        "shop_id": 954_889, "shop_domain": SHOP,
        "customer": {"id": CUSTOMER, "email": "jo@example.com", "phone": null},
        "orders_to_redact": [9_000],
    });

    assert_eq!(
        deliver(&app, &fake, "customers/redact", "w-redact", &body)
            .await
            .status(),
        200
    );

    wait_processed(&app, "w-redact").await;
    assert_eq!(count_for(&app, shop.id, CUSTOMER).await, (0, 0));
    assert_eq!(count_for(&app, shop.id, OTHER_CUSTOMER).await, (1, 1));
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(9_000))
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(lines, 0);
}

#[tokio::test]
async fn customers_data_request_stores_a_real_export() {
    let (app, fake) = spawn_shopify_app().await;
    let shop = install_by_token_exchange(&app, &fake, SHOP).await;
    seed_customers(&app, shop.id).await;
    let body = json!({
        "shop_id": 954_889, "shop_domain": SHOP, "orders_requested": [9_000],
        "customer": {"id": CUSTOMER, "email": "jo@example.com"},
        "data_request": {"id": 9_999},
    });

    deliver(&app, &fake, "customers/data_request", "w-export", &body).await;

    wait_processed(&app, "w-export").await;
    let export = data_export::Entity::find()
        .filter(data_export::Column::ShopId.eq(shop.id))
        .one(&app.db.conn)
        .await
        .unwrap()
        .expect("export stored");
    assert_eq!(export.customer_id, Some(CUSTOMER));
    assert_eq!(export.data_request_id.as_deref(), Some("9999"));
    assert_eq!(export.export["events"].as_array().unwrap().len(), 1);
    assert_eq!(export.export["orders"][0]["id"], 9_000);
    assert_eq!(
        export.export["orders"][0]["lines"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn shop_redact_deletes_the_shop_and_all_its_rows() {
    let (app, fake) = spawn_shopify_app().await;
    let shop = install_by_token_exchange(&app, &fake, SHOP).await;
    seed_customers(&app, shop.id).await;

    deliver(
        &app,
        &fake,
        "shop/redact",
        "w-shop-redact",
        &json!({"shop_id": 1, "shop_domain": SHOP}),
    )
    .await;

    wait_processed(&app, "w-shop-redact").await;
    assert!(shop_row(&app).await.is_none());
    let events = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop.id))
        .count(&app.db.conn)
        .await
        .unwrap();
    let orders = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop.id))
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!((events, orders), (0, 0));
}

#[tokio::test]
async fn app_uninstalled_marks_the_shop_and_wipes_its_tokens() {
    let (app, fake) = spawn_shopify_app().await;
    let shop = install_by_token_exchange(&app, &fake, SHOP).await;
    assert!(shop.access_token_encrypted.is_some());

    deliver(
        &app,
        &fake,
        "app/uninstalled",
        "w-uninstall",
        &json!({"id": 1, "domain": SHOP}),
    )
    .await;

    wait_processed(&app, "w-uninstall").await;
    let stored = shop_row(&app).await.unwrap();
    assert!(stored.uninstalled_at.is_some());
    assert!(stored.access_token_encrypted.is_none());
    assert!(stored.refresh_token_encrypted.is_none());
    assert!(stored.access_token_expires_at.is_none());
    assert!(
        !services::compliance::is_installed(&app.db.conn, shop.id)
            .await
            .unwrap()
    );

    // Later non-compliance webhooks for the uninstalled shop are acknowledged and ignored.
    deliver(&app, &fake, "shop/update", "w-late", &json!({"name": "x"})).await;
    assert_eq!(
        wait_processed(&app, "w-late").await.outcome.as_deref(),
        Some("ignored")
    );
    assert_ne!(shop_row(&app).await.unwrap().name, "x");
}

#[tokio::test]
async fn unknown_shops_unknown_topics_and_deferred_topics_are_acknowledged_honestly() {
    let (app, fake) = spawn_shopify_app().await;

    let unknown_shop = deliver(
        &app,
        &fake,
        "shop/update",
        "w-nobody",
        &json!({"name": "x"}),
    )
    .await;
    assert_eq!(unknown_shop.status(), 200);
    assert_eq!(
        wait_processed(&app, "w-nobody").await.outcome.as_deref(),
        Some("ignored")
    );

    install_by_token_exchange(&app, &fake, SHOP).await;
    deliver(&app, &fake, "carts/update", "w-unknown", &json!({})).await;
    assert_eq!(
        wait_processed(&app, "w-unknown").await.outcome.as_deref(),
        Some("ignored")
    );
    let finished =
        json!({"admin_graphql_api_id": "gid://shopify/BulkOperation/1", "status": "completed"});
    deliver(&app, &fake, "bulk_operations/finish", "w-bulk", &finished).await;
    let deferred = wait_processed(&app, "w-bulk").await;
    assert_eq!(deferred.outcome.as_deref(), Some("deferred"));
    assert_eq!(
        deferred.payload["status"], "completed",
        "payload kept for the bulk sync"
    );
}

#[tokio::test]
async fn a_malformed_catalog_webhook_is_marked_rejected_not_left_unprocessed() {
    let (app, fake) = spawn_shopify_app().await;
    install_by_token_exchange(&app, &fake, SHOP).await;

    let malformed = json!({"id": 632_910_392, "title": 7_208_349});
    let response = deliver(&app, &fake, "products/update", "w-malformed", &malformed).await;

    assert_eq!(response.status(), 200);
    let rejected = wait_processed(&app, "w-malformed").await;
    assert_eq!(rejected.outcome.as_deref(), Some("rejected"));
    let reason = rejected.reason.unwrap_or_default();
    assert!(reason.contains("expected a string"), "{reason}");
    assert!(
        !reason.contains("7208349"),
        "no value of the payload: {reason}"
    );
}

#[tokio::test]
async fn a_handled_receipt_keeps_no_personal_data() {
    let (app, fake) = spawn_shopify_app().await;
    install_by_token_exchange(&app, &fake, SHOP).await;
    let body = json!({
        "shop_id": 954_889, "shop_domain": SHOP, "orders_to_redact": [9_000],
        "customer": {"id": CUSTOMER, "email": "jo@example.com", "phone": "+15550100"},
    });

    deliver(&app, &fake, "customers/redact", "w-private", &body).await;

    let handled = wait_processed(&app, "w-private").await;
    assert_eq!(handled.outcome.as_deref(), Some("processed"));
    assert_eq!(handled.payload, json!({}), "the payload went with the work");
    assert_eq!(handled.topic, "customers/redact", "what dedupe needs stays");
}
