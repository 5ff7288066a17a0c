//! Events from the storefront extensions: the web pixel's batch (the fixture its JS test also
//! checks) through `POST /events`, and the theme blocks' clicks through `POST /proxy/events`.

use chrono::Utc;
use entity::event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json as json_value};

use crate::helpers::{API_SECRET, TestApp, json, spawn_app};
use crate::recs::{demo_app, some_product};

/// The exact body `extension/meander-pixel/src/payload.js` builds for a `product_viewed` event;
/// `extension/tests/pixel-payload.test.mjs` asserts the JS produces it.
const PIXEL_FIXTURE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../extension/tests/fixtures/product_viewed.batch.json"
));

/// Installs the shop the fixture names, with the fixture's ingest key.
async fn install_fixture_shop(app: &TestApp, batch: &Value) -> i64 {
    let (domain, key) = (
        batch["shop"].as_str().unwrap(),
        batch["key"].as_str().unwrap(),
    );
    app.install_shop(domain, key).await
}

#[tokio::test]
async fn the_pixel_fixture_batch_is_accepted_and_stored_as_sent() {
    let app = spawn_app().await;
    let mut batch: Value = serde_json::from_str(PIXEL_FIXTURE).unwrap();
    let shop_id = install_fixture_shop(&app, &batch).await;
    // Only the timestamp is re-stamped: the endpoint refuses events older than 7 days.
    let now = Utc::now().to_rfc3339();
    batch["events"][0]["occurred_at"] = Value::String(now);

    let response = app
        .client
        .post(format!("{}/events", app.address))
        .header("content-type", "text/plain")
        .body(batch.to_string())
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let summary = json(response).await;
    assert_eq!(
        (&summary["accepted"], &summary["duplicates"]),
        (&json_value!(1), &json_value!(0))
    );
    let sent = &batch["events"][0];
    let row = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop_id))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.kind, "view");
    assert_eq!(row.client_event_id.as_deref(), sent["id"].as_str());
    assert_eq!(row.product_id, Some(9_007_199_254_740_993));
    assert_eq!(row.variant_id, Some(44_858_553_761_923));
    assert_eq!(row.customer_id, Some(7070));
    assert_eq!(row.anonymous_id, "anon-fixture");
    assert_eq!(row.session_id, "sess-fixture");
    assert_eq!(row.device.as_deref(), Some("mobile"));
    assert_eq!(row.traffic_source.as_deref(), Some("search"));
}

/// `POST /proxy/events` signed the way Shopify's app proxy signs it.
pub(crate) async fn post_proxied(app: &TestApp, nonce: &str, body: &Value) -> reqwest::Response {
    let mut pairs: Vec<(String, String)> = [
        ("shop", "meander-demo.myshopify.com"),
        ("logged_in_customer_id", ""),
        ("path_prefix", "/apps/meander"),
        ("nonce", nonce),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    pairs.push(("timestamp".into(), Utc::now().timestamp().to_string()));
    let signature = shopify::signature::sign_app_proxy(API_SECRET.as_bytes(), &pairs);
    pairs.push(("signature".into(), signature));
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    app.client
        .post(format!("{}/proxy/events?{}", app.address, query.join("&")))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

pub(crate) fn click(rec_id: &str, product_id: i64, position: i32) -> Value {
    json_value!({
        "id": format!("{rec_id}:{position}:click"), "kind": "click",
        "occurred_at": Utc::now().to_rfc3339(), "anonymous_id": "anon-1",
        "session_id": "sess-1", "product_id": product_id.to_string(),
        "surface": "pdp", "rec_id": rec_id, "position": position
    })
}

#[tokio::test]
async fn a_block_click_through_the_app_proxy_is_stored_with_its_attribution() {
    let (app, shop_id) = demo_app(false).await;
    let product = some_product(&app).await;

    let response = post_proxied(
        &app,
        "n1",
        &json_value!({"events": [click("rec-42", product, 3)]}),
    )
    .await;

    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["accepted"], 1);
    let row = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::Kind.eq("click"))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.rec_id.as_deref(), Some("rec-42"));
    assert_eq!(row.position, Some(3));
    assert_eq!(row.product_id, Some(product));
    assert_eq!(row.surface.as_deref(), Some("pdp"));
}

#[tokio::test]
async fn the_app_proxy_takes_only_signed_clicks() {
    let (app, _) = demo_app(false).await;
    let product = some_product(&app).await;
    let mut view = click("rec-1", product, 1);
    view["kind"] = "view".into();

    let not_a_click = post_proxied(&app, "n1", &json_value!({"events": [view]})).await;
    let with_a_key = post_proxied(
        &app,
        "n2",
        &json_value!({"key": "x", "events": [click("rec-1", product, 1)]}),
    )
    .await;
    let unsigned = app
        .client
        .post(format!(
            "{}/proxy/events?shop=meander-demo.myshopify.com",
            app.address
        ))
        .body(json_value!({"events": [click("rec-1", product, 1)]}).to_string())
        .send()
        .await
        .unwrap();

    assert_eq!(not_a_click.status(), 400);
    assert!(
        json(not_a_click).await["message"]
            .as_str()
            .unwrap()
            .contains("only clicks")
    );
    assert_eq!(with_a_key.status(), 400);
    assert_eq!(unsigned.status(), 401);
    let stored = event::Entity::find()
        .filter(event::Column::Kind.is_in(["click", "view"]))
        .all(&app.db.conn)
        .await
        .unwrap();
    assert!(
        stored.iter().all(|e| e.rec_id.as_deref() != Some("rec-1")),
        "nothing of a refused batch is stored"
    );
}
