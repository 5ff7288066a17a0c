//! Served lists follow the catalog between precomputes: a stock-out, an archive or a new
//! price that a webhook stores reaches every served list at the next model recheck.

use app::ServeOptions;
use chrono::Utc;
use entity::{product, variant};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use services::sync::webhooks::{WebhookTarget, apply};
use services::topic::Topic;

use crate::helpers::{BACKGROUND_WORK, TestApp, eventually, json, served_ids, spawn_app_with};

async fn trained_demo() -> (TestApp, i64) {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |s| {
        s.server.model_recheck_secs = 1;
    })
    .await;
    let settings = common::settings::DemoSettings {
        products: 300,
        shoppers: 120,
        sessions: 900,
        ..Default::default()
    };
    let shop_id = services::demo::load(&app.db, &settings)
        .await
        .unwrap()
        .shop_id;
    services::recs::train(&app.db, shop_id).await.unwrap();
    let run = services::runs::JobRun::start(&app.db.conn, shop_id, "precompute_lists", "t", None)
        .await
        .unwrap();
    services::recs::lists::precompute_all(&app.db, shop_id, &run)
        .await
        .unwrap();
    (app, shop_id)
}

async fn variants(app: &TestApp, product_id: i64) -> Vec<variant::Model> {
    variant::Entity::find()
        .filter(variant::Column::ProductId.eq(product_id))
        .all(&app.db.conn)
        .await
        .unwrap()
}

/// `products/update` for a stored product, with its status and every variant's price set.
async fn product_update(app: &TestApp, id: i64, status: &str, price: &str) -> Value {
    let row = product::Entity::find()
        .filter(product::Column::Id.eq(id))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    let now = Utc::now().to_rfc3339();
    let variants: Vec<Value> = variants(app, id)
        .await
        .iter()
        .map(|v| {
            json!({"id": v.id, "title": v.title, "price": price, "inventory_item_id": v.id,
                        "inventory_quantity": 25, "updated_at": now})
        })
        .collect();
    json!({"id": id, "title": row.title, "handle": row.handle, "vendor": row.vendor,
           "product_type": row.product_type, "tags": "", "status": status,
           "created_at": row.published_at, "updated_at": now, "variants": variants,
           "options": []})
}

#[tokio::test]
async fn a_stock_out_an_archive_and_a_new_price_reach_the_served_list_at_the_next_recheck() {
    let (app, shop_id) = trained_demo().await;
    let seed = crate::recs::some_product(&app).await;
    let query = format!("/demo/recs?surface=pdp&product_id={seed}&limit=8");
    let before = served_ids(&json(app.get(&query).await).await);
    let [sold_out, archived, repriced, ..] = before[..] else {
        panic!("too few items served: {before:?}");
    };
    let target = WebhookTarget {
        shop_id,
        currency_exponent: 2,
        triggered_at: Utc::now(),
    };

    for v in variants(&app, sold_out).await {
        let level = json!({"inventory_item_id": v.id, "location_id": 1, "available": 0,
                           "updated_at": Utc::now().to_rfc3339()});
        apply(&app.db.conn, target, Topic::InventoryLevelsUpdate, &level)
            .await
            .unwrap();
    }
    let archive = product_update(&app, archived, "archived", "10.00").await;
    apply(&app.db.conn, target, Topic::ProductsUpdate, &archive)
        .await
        .unwrap();
    let reprice = product_update(&app, repriced, "active", "1234.56").await;
    apply(&app.db.conn, target, Topic::ProductsUpdate, &reprice)
        .await
        .unwrap();

    let fresh = eventually(BACKGROUND_WORK, || async {
        let body = json(app.get(&query).await).await;
        let served = served_ids(&body);
        let price_of = |id: i64| {
            body["modules"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|m| m["items"].as_array().unwrap().clone())
                .find(|i| i["product_id"] == json!(id.to_string()))
                .map(|i| i["price_minor"].clone())
        };
        !served.contains(&sold_out)
            && !served.contains(&archived)
            && price_of(repriced).is_none_or(|p| p == json!(123_456))
    })
    .await;

    assert!(fresh, "the served list still shows the old catalog");
}
