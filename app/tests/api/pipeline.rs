//! The pipeline end to end through HTTP: precomputed lists are what serving starts from, and
//! clicks and add-to-carts carrying a rec id are attributed to the logged impression.

use std::collections::HashSet;

use chrono::Utc;
use entity::{event, shop};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use services::recs::lists;
use services::recs::pools::StoredCandidate;
use services::recs::store::SeedKey;

use crate::helpers::{TestApp, json, served_ids};
use crate::recs::{demo_app, some_product};

/// The version of the `models` row `id`.
async fn version_of(app: &TestApp, id: Option<i64>) -> Option<String> {
    entity::model::Entity::find_by_id(id.expect("a models row"))
        .one(&app.db.conn)
        .await
        .unwrap()
        .map(|m| m.version)
}

async fn precompute(app: &TestApp, shop_id: i64) -> String {
    let run = services::runs::JobRun::start(&app.db.conn, shop_id, "precompute_lists", "t", None)
        .await
        .unwrap();
    lists::precompute_all(&app.db, shop_id, &run)
        .await
        .unwrap()
        .unwrap()
        .list_version
}

async fn precomputed(app: &TestApp, shop_id: i64, version: &str, key: SeedKey) -> HashSet<i64> {
    let stored: Vec<StoredCandidate> = lists::find(&app.db.conn, shop_id, version, &key)
        .await
        .unwrap()
        .unwrap();
    stored.iter().map(|c| c.id).collect()
}

/// `GET /demo/recs?{query}`, as JSON.
async fn recs(app: &TestApp, query: &str) -> Value {
    json(app.get(&format!("/demo/recs?{query}")).await).await
}

fn module_names(body: &Value) -> Vec<&str> {
    body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn serving_starts_from_the_precomputed_list_of_the_product_and_the_shopper() {
    let (app, shop_id) = demo_app(true).await;
    let version = precompute(&app, shop_id).await;
    let seed = some_product(&app).await;

    let pdp = recs(&app, &format!("surface=pdp&product_id={seed}&limit=8")).await;
    let listed = precomputed(
        &app,
        shop_id,
        &version,
        SeedKey::new("pdp", "product", seed.to_string()),
    )
    .await;
    assert_eq!(pdp["list_version"], json!(version));
    let served = served_ids(&pdp);
    assert!(!served.is_empty());
    // Exploration may swap in an item from outside the list; everything else comes from it.
    let explored = pdp["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["items"].as_array().unwrap().clone())
        .filter(|i| i["explored"] == json!(true))
        .count();
    let from_list = served.iter().filter(|id| listed.contains(id)).count();
    assert!(
        from_list + explored >= served.len(),
        "{served:?} vs {listed:?}"
    );

    let profile = entity::rec_list::Entity::find()
        .filter(entity::rec_list::Column::ListVersion.eq(version.as_str()))
        .filter(entity::rec_list::Column::SeedKind.eq("profile"))
        .filter(entity::rec_list::Column::SeedId.starts_with("anon:"))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    let anonymous = profile.seed_id.trim_start_matches("anon:");
    let home = recs(
        &app,
        &format!("surface=home&anonymous_id={anonymous}&limit=8"),
    )
    .await;
    let listed = precomputed(
        &app,
        shop_id,
        &version,
        SeedKey::new("home", "profile", profile.seed_id.clone()),
    )
    .await;
    let served = served_ids(&home);
    let from_list = served.iter().filter(|id| listed.contains(id)).count();
    assert!(
        from_list * 10 >= served.len() * 8,
        "home is served from the shopper's list"
    );
}

#[tokio::test]
async fn clicks_and_the_add_to_cart_after_them_are_attributed_to_the_impression() {
    let (app, shop_id) = demo_app(true).await;
    let shop = shop::Entity::find_by_id(shop_id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    let seed = some_product(&app).await;
    let recs = recs(
        &app,
        &format!("surface=pdp&product_id={seed}&session_id=sess-a&limit=8"),
    )
    .await;
    let rec_id = recs["rec_id"].as_str().unwrap();
    let shown: usize = recs["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["items"].as_array().unwrap().len())
        .sum();
    // A shopper clicks long after the impression is stored; the test waits for that too.
    let (impression, items) = app.impression(rec_id).await;
    assert_eq!(items.len(), shown);
    let clicked = &recs["modules"][0]["items"][1];
    let product = clicked["product_id"].as_str().unwrap();
    let now = Utc::now().to_rfc3339();
    let event = |id: &str, kind: &str, rec: Option<&str>| {
        let mut e = json!({
            "id": id, "kind": kind, "occurred_at": now, "anonymous_id": "anon-a",
            "session_id": "sess-a", "product_id": product,
            // A client's claim of position is overridden by the logged impression.
            "surface": "pdp", "position": 99
        });
        if let Some(rec) = rec {
            e["rec_id"] = json!(rec);
        }
        e
    };
    let post = |events: Vec<Value>| {
        let body = json!({"shop": shop.domain, "key": shop.ingest_key, "events": events});
        app.client
            .post(format!("{}/events", app.address))
            .json(&body)
            .send()
    };

    let click = json(
        post(vec![event("c1", "click", Some(rec_id))])
            .await
            .unwrap(),
    )
    .await;
    let cart = json(post(vec![event("a1", "add_to_cart", None)]).await.unwrap()).await;
    let unknown = json(
        post(vec![event("c2", "click", Some("no-such-rec"))])
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(click["attributed"], json!(1));
    assert_eq!(
        cart["attributed"],
        json!(1),
        "the add-to-cart follows the click"
    );
    assert_eq!(
        unknown,
        json!({"accepted": 1, "duplicates": 0, "attributed": 0})
    );
    let item = items
        .iter()
        .find(|i| i.product_id == product.parse::<i64>().unwrap())
        .unwrap();
    for id in ["c1", "a1"] {
        let row = event::Entity::find()
            .filter(event::Column::ClientEventId.eq(id))
            .one(&app.db.conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.impression_id, Some(impression.id), "{id}");
        assert_eq!(row.rec_id.as_deref(), Some(rec_id));
        let context = app.context(&impression).await;
        assert_eq!(row.surface.as_deref(), Some(context.surface.as_str()));
        assert_eq!(row.position, Some(item.position));
        assert_eq!(row.propensity, Some(item.propensity));
    }
}

#[tokio::test]
async fn impressions_carry_the_versions_that_served_them_and_the_traffic_source() {
    let (app, shop_id) = demo_app(true).await;
    let version = precompute(&app, shop_id).await;
    let seed = some_product(&app).await;

    let body = recs(
        &app,
        &format!("surface=pdp&product_id={seed}&traffic_source=email&limit=4"),
    )
    .await;
    let unknown = app
        .get(&format!(
            "/demo/recs?surface=pdp&product_id={seed}&traffic_source=tv"
        ))
        .await;

    let (row, items) = app.impression(body["rec_id"].as_str().unwrap()).await;
    assert_eq!(items.len(), served_ids(&body).len());
    // The versions are stored as the `models` rows that hold them, in the answer's context.
    let context = app.context(&row).await;
    assert_eq!(
        version_of(&app, context.list_id).await,
        Some(version.clone())
    );
    assert_eq!(
        version_of(&app, context.model_id).await.as_deref(),
        body["model_version"].as_str()
    );
    assert_eq!(
        (context.list_version, context.model_version),
        (None, None),
        "not repeated as text"
    );
    assert_eq!(
        context.policy_version,
        ranker::policy::POLICY_VERSION.to_string()
    );
    assert_eq!(context.traffic_source, "email");
    assert_eq!(unknown.status(), 400);
    assert_eq!(json(unknown).await["error"], "bad_request");
}

#[tokio::test]
async fn a_page_asks_only_for_the_modules_it_shows_and_only_those_are_logged() {
    let (app, _) = demo_app(true).await;
    let seed = some_product(&app).await;

    let body = recs(
        &app,
        &format!("surface=pdp&product_id={seed}&modules=similar_items&limit=4"),
    )
    .await;
    let bad = app
        .get(&format!(
            "/demo/recs?surface=pdp&product_id={seed}&modules=Bad%20Name"
        ))
        .await;

    assert_eq!(module_names(&body), ["similar_items"]);
    let shown = served_ids(&body).len();
    assert!(shown > 0);
    let rec_id = body["rec_id"].as_str().unwrap();
    let (_, items) = app.impression(rec_id).await;
    assert_eq!(items.len(), shown, "no impression for modules not shown");
    assert!(items.iter().all(|i| i.module == "similar_items"));
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn before_any_training_a_filtered_request_still_gets_the_cold_start_module() {
    let (app, _) = demo_app(false).await;

    let body = recs(&app, "surface=email&modules=picked_for_you&limit=4").await;

    assert_eq!(module_names(&body), ["popular_and_new"]);
    assert!(!served_ids(&body).is_empty());
}
