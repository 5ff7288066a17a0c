//! The embedded SQLite under overlapping storefront writes: every request is stored, none
//! answers "database is locked".

use app::ServeOptions;
use chrono::Utc;
use entity::event;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::spawn_app_with;

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
