//! The embedded SQLite under overlapping storefront writes: every request is stored, none
//! answers "database is locked". Each write path (pixel events, the demo cart, the app
//! proxy's clicks, and the impressions the pages log) reads before it writes in one
//! transaction, which a deferred SQLite transaction cannot do while another writer waits.

use app::ServeOptions;
use chrono::Utc;
use entity::event;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with};
use crate::recs::{demo_app, some_product};
use crate::storefront_events::{click, post_proxied};

/// Stored events of `kind` of the demo's own pages and proxy (the generated history has no
/// device-less events).
async fn storefront_events(app: &TestApp, kind: &str) -> u64 {
    event::Entity::find()
        .filter(event::Column::Kind.eq(kind))
        .filter(event::Column::Device.is_null())
        .count(&app.db.conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn eighty_concurrent_adds_to_cart_are_all_stored() {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |s| {
        s.events.rate_per_second = 10_000;
        s.events.burst = 10_000;
    })
    .await;
    let domain = "busy-shop.myshopify.com";
    app.install_shop(domain, "busy-key").await;
    let now = Utc::now().to_rfc3339();
    // An add to cart with a rec id reads (attribution) before it writes: the transaction that
    // used to fail at once when another writer was pending.
    let batches = (0..80).map(|i| {
        let body = json!({"shop": domain, "key": "busy-key", "events": [{
            "id": format!("cart-{i}"), "kind": "add_to_cart", "occurred_at": now,
            "anonymous_id": format!("anon-{i}"), "session_id": format!("sess-{i}"),
            "product_id": "632910392", "rec_id": format!("rec-{i}"), "surface": "pdp",
        }]});
        app.client
            .post(format!("{}/events", app.address))
            .json(&body)
            .send()
    });

    let responses = futures::future::join_all(batches).await;

    let statuses: Vec<u16> = responses
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(event::Entity::find().count(&app.db.conn).await.unwrap(), 80);
}

/// Shoppers adding to their carts at once, each adding one product after the other.
const SHOPPERS: usize = 8;
const ADDS_PER_SHOPPER: usize = 13;

/// One shopper's adds, in order; the status of each add and of the cart page it leads to.
async fn add_one_after_the_other(app: &TestApp, product: i64) -> Vec<u16> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..ADDS_PER_SHOPPER {
        // The 303 is followed: the cart page serves its modules and logs their impressions.
        let response = client
            .post(format!("{}/demo/cart", app.address))
            .form(&[("product_id", product.to_string())])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn concurrent_demo_cart_posts_are_all_stored() {
    let (app, _) = demo_app(true).await;
    let product = some_product(&app).await;

    let shoppers = (0..SHOPPERS).map(|_| add_one_after_the_other(&app, product));
    let statuses: Vec<u16> = futures::future::join_all(shoppers)
        .await
        .into_iter()
        .flatten()
        .collect();

    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        storefront_events(&app, "add_to_cart").await,
        u64::try_from(SHOPPERS * ADDS_PER_SHOPPER).unwrap()
    );
}

#[tokio::test]
async fn forty_concurrent_proxy_clicks_are_all_stored() {
    let (app, _) = demo_app(false).await;
    let product = some_product(&app).await;
    let app = &app;
    let clicks = (0..40).map(|i| {
        let nonce = format!("busy-{i}");
        let body = json!({"events": [click(&format!("rec-{i}"), product, 1)]});
        async move { post_proxied(app, &nonce, &body).await.status().as_u16() }
    });

    let statuses = futures::future::join_all(clicks).await;

    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(storefront_events(app, "click").await, 40);
}
