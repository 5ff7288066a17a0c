//! Webhook receipts keep no personal data once a shop or customer is redacted: receipts
//! still waiting for their job (or whose job ran out of attempts) lose their payloads too.

use chrono::Utc;
use entity::webhook_receipt;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_shopify_app};
use crate::shopify_auth::install_by_token_exchange;
use crate::shopify_webhooks::{CUSTOMER, OTHER_CUSTOMER, SHOP, deliver, receipt, wait_processed};

/// Stores an `orders/create` receipt whose job has been queued but has not finished.
async fn waiting_order(app: &TestApp, id: &str, shop_id: Option<i64>, domain: &str, body: Value) {
    let now = Utc::now();
    webhook_receipt::ActiveModel {
        webhook_id: Set(id.into()),
        shop_id: Set(shop_id),
        shop_domain: Set(domain.into()),
        topic: Set("orders/create".into()),
        payload: Set(body),
        received_at: Set(now),
        queued_at: Set(Some(now)),
        processed_at: Set(None),
        outcome: Set(None),
        reason: Set(None),
    }
    .insert(&app.db.conn)
    .await
    .unwrap();
}

fn order_of(order_id: i64, customer: i64) -> Value {
    json!({"id": order_id, "email": "jo@example.com", "phone": "+15550100",
           "customer": {"id": customer, "email": "jo@example.com"}})
}

async fn payload(app: &TestApp, id: &str) -> Value {
    receipt(app, id).await.unwrap().payload
}

#[tokio::test]
async fn customers_redact_drops_the_payloads_of_that_customers_waiting_receipts() {
    let (app, fake) = spawn_shopify_app().await;
    let shop = install_by_token_exchange(&app, &fake, SHOP).await;
    waiting_order(&app, "w-theirs", Some(shop.id), SHOP, order_of(1, CUSTOMER)).await;
    let named = json!({"id": 9_000, "email": "guest@example.com"});
    waiting_order(&app, "w-named", Some(shop.id), SHOP, named).await;
    waiting_order(
        &app,
        "w-other",
        Some(shop.id),
        SHOP,
        order_of(2, OTHER_CUSTOMER),
    )
    .await;
    let body = json!({
        "shop_id": 954_889, "shop_domain": SHOP, "orders_to_redact": [9_000],
        "customer": {"id": CUSTOMER, "email": "jo@example.com"},
    });

    deliver(&app, &fake, "customers/redact", "w-redact", &body).await;

    wait_processed(&app, "w-redact").await;
    assert_eq!(payload(&app, "w-theirs").await, json!({}));
    assert_eq!(payload(&app, "w-named").await, json!({}));
    assert_eq!(
        payload(&app, "w-other").await,
        order_of(2, OTHER_CUSTOMER),
        "another customer's receipt is untouched"
    );
}

#[tokio::test]
async fn shop_redact_drops_the_payloads_of_all_the_shops_receipts() {
    let (app, fake) = spawn_shopify_app().await;
    let shop = install_by_token_exchange(&app, &fake, SHOP).await;
    waiting_order(
        &app,
        "w-waiting",
        Some(shop.id),
        SHOP,
        order_of(1, CUSTOMER),
    )
    .await;
    // Stored while the shop was unknown to us: only its domain names it.
    waiting_order(&app, "w-early", None, SHOP, order_of(2, CUSTOMER)).await;
    let elsewhere = "elsewhere.myshopify.com";
    waiting_order(&app, "w-elsewhere", None, elsewhere, order_of(3, CUSTOMER)).await;

    let body = json!({"shop_id": 1, "shop_domain": SHOP});
    deliver(&app, &fake, "shop/redact", "w-shop-redact", &body).await;

    wait_processed(&app, "w-shop-redact").await;
    assert_eq!(
        payload(&app, "w-waiting").await,
        json!({}),
        "kept for dedupe, emptied"
    );
    assert_eq!(payload(&app, "w-early").await, json!({}));
    assert_eq!(payload(&app, "w-elsewhere").await, order_of(3, CUSTOMER));
}
