//! Merchant settings through the admin API: validated per field, versioned, refused when
//! stale, applied by serving without a restart and by precompute, and previewed as a draft.

use entity::rec_list;
use ranker::Surface;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use services::settings::SurfaceSettings;
use worker::jobs::PrecomputeLists;
use worker::{Job, JobContext};

use crate::admin_pages::{demo_mode_app, demo_mode_app_rechecking, with_key};
use crate::helpers::{TestApp, eventually, json};

/// The demo admin over a trained and precomputed demo shop; returns the app, its key and
/// the shop id.
pub(crate) async fn trained_demo_admin() -> (TestApp, String, i64) {
    let (app, shop_id) = demo_mode_app(None).await;
    services::recs::train(&app.db, shop_id).await.unwrap();
    precompute(&app, shop_id).await;
    let key = app.demo_admin_key.clone().unwrap();
    (app, key, shop_id)
}

pub(crate) async fn precompute(app: &TestApp, shop_id: i64) {
    PrecomputeLists {
        shop_id,
        window: None,
    }
    .run(JobContext::new(app.db.clone()))
    .await
    .unwrap();
}

pub(crate) async fn put(
    app: &TestApp,
    key: &str,
    surface: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .put(format!("{}/admin/api/settings/{surface}", app.address))
        .header("x-meander-demo-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

pub(crate) fn pdp_defaults() -> Value {
    serde_json::to_value(SurfaceSettings::defaults(Surface::Product)).unwrap()
}

async fn version_of(app: &TestApp, key: &str, surface: &str) -> i64 {
    let body = json(with_key(app, "/admin/api/settings", key).await).await;
    body["surfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["surface"] == surface)
        .unwrap()["version"]
        .as_i64()
        .unwrap()
}

pub(crate) fn field_names(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn invalid_settings_name_each_field_and_save_nothing() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let mut bad = pdp_defaults();
    bad["weights"]["margin"] = json!(-0.5);
    bad["exploration"]["share"] = json!(0.2);
    bad["list_length"] = json!(0);
    let mut zero = pdp_defaults();
    for name in ["relevance", "intent", "margin", "inventory", "novelty"] {
        zero["weights"][name] = json!(0.0);
    }

    let response = put(&app, &key, "pdp", &json!({"version": 0, "settings": bad})).await;
    let all_zero = put(&app, &key, "pdp", &json!({"version": 0, "settings": zero})).await;
    let unknown = put(
        &app,
        &key,
        "checkout",
        &json!({"version": 0, "settings": pdp_defaults()}),
    )
    .await;

    assert_eq!(response.status(), 422);
    let body = json(response).await;
    assert_eq!(body["error"], "invalid_fields");
    assert_eq!(
        field_names(&body),
        ["weights.margin", "exploration.share", "list_length"]
    );
    assert_eq!(all_zero.status(), 422);
    assert_eq!(field_names(&json(all_zero).await), ["weights"]);
    assert_eq!(unknown.status(), 404);
    assert_eq!(version_of(&app, &key, "pdp").await, 0, "nothing was saved");
}

#[tokio::test]
async fn each_save_is_a_new_version_and_a_stale_one_is_refused() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let mut edit = pdp_defaults();
    edit["list_length"] = json!(6);

    let first = put(&app, &key, "pdp", &json!({"version": 0, "settings": edit})).await;
    let stale = put(
        &app,
        &key,
        "pdp",
        &json!({"version": 0, "settings": pdp_defaults()}),
    )
    .await;
    let second = put(
        &app,
        &key,
        "pdp",
        &json!({"version": 1, "settings": pdp_defaults()}),
    )
    .await;

    assert_eq!(json(first).await["version"], 1);
    assert_eq!(stale.status(), 409);
    let refusal = json(stale).await;
    assert_eq!(refusal["error"], "conflict");
    assert!(
        refusal["message"]
            .as_str()
            .unwrap()
            .contains("current version is 1")
    );
    assert_eq!(json(second).await["version"], 2);
    assert_eq!(version_of(&app, &key, "pdp").await, 2);
    assert_eq!(
        version_of(&app, &key, "home").await,
        0,
        "surfaces are versioned apart"
    );
}

#[tokio::test]
async fn an_email_settings_save_queues_the_precompute_and_a_pdp_save_does_not() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let email = serde_json::to_value(SurfaceSettings::defaults(Surface::Email)).unwrap();

    let pdp = put(
        &app,
        &key,
        "pdp",
        &json!({"version": 0, "settings": pdp_defaults()}),
    )
    .await;
    let after_pdp = app.queued_jobs("precompute_lists").await;
    let saved = put(
        &app,
        &key,
        "email",
        &json!({"version": 0, "settings": email}),
    )
    .await;
    let after_email = app.queued_jobs("precompute_lists").await;
    let again = put(
        &app,
        &key,
        "email",
        &json!({"version": 1, "settings": email}),
    )
    .await;

    for response in [pdp, saved, again] {
        assert_eq!(response.status(), 200);
    }
    assert_eq!(after_pdp, 0, "serving applies a pdp change itself");
    assert_eq!(after_email, 1, "email's lists come from the precompute");
    assert!(
        app.queued_jobs("precompute_lists").await <= 2,
        "saves within seconds share a precompute"
    );
}

#[tokio::test]
async fn the_preview_for_a_recent_shopper_carries_the_shopper() {
    let (app, key, _) = trained_demo_admin().await;
    let shoppers = json(with_key(&app, "/admin/api/shoppers?limit=5", &key).await).await;
    let all = json(with_key(&app, "/admin/api/shoppers?limit=100", &key).await).await;
    let too_many = with_key(&app, "/admin/api/shoppers?limit=500", &key).await;
    let anonymous = with_key(&app, "/admin/api/shoppers", "wrong").await;
    let list = shoppers["shoppers"].as_array().unwrap();
    let customer = all["shoppers"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| s["customer_id"].as_i64())
        .expect("the demo has customers with events");
    let preview = |body: Value| {
        app.client
            .post(format!("{}/admin/api/preview", app.address))
            .header("x-meander-demo-key", &key)
            .json(&body)
            .send()
    };

    let for_shopper = json(
        preview(json!({"surface": "home", "customer_id": customer}))
            .await
            .unwrap(),
    )
    .await;
    let for_nobody = json(preview(json!({"surface": "home"})).await.unwrap()).await;

    assert!(!list.is_empty() && list.len() <= 5, "{shoppers}");
    let seen: Vec<_> = list
        .iter()
        .map(|s| chrono::DateTime::parse_from_rfc3339(s["last_seen"].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        seen.windows(2).all(|w| w[0] >= w[1]),
        "most recent first: {seen:?}"
    );
    for shopper in list {
        assert!(
            shopper["customer_id"].is_i64() != shopper["anonymous_id"].is_string(),
            "a customer or a browser: {shopper}"
        );
    }
    assert_eq!(too_many.status(), 400);
    assert_eq!(anonymous.status(), 401);
    assert_eq!(for_shopper["shopper"]["customer_id"], customer);
    assert!(for_nobody["shopper"].is_null());
    let ids = |body: &Value| -> Vec<String> {
        body["current"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| m["items"].as_array().unwrap().iter())
            .map(|i| format!("{}:{}", i["product_id"], i["reason"]))
            .collect()
    };
    assert!(!ids(&for_shopper).is_empty());
    assert_ne!(
        ids(&for_shopper),
        ids(&for_nobody),
        "a shopper's home list is their own"
    );
}

pub(crate) async fn demo_pdp(app: &TestApp, product: i64) -> Value {
    json(
        app.get(&format!("/demo/recs?surface=pdp&product_id={product}"))
            .await,
    )
    .await
}

fn longest_module(body: &Value) -> usize {
    body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["items"].as_array().unwrap().len())
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_saved_change_reaches_the_served_lists() {
    let (app, key, _) = trained_demo_admin().await;
    let product = crate::recs::some_product(&app).await;
    let before = demo_pdp(&app, product).await;
    let mut edit = pdp_defaults();
    edit["list_length"] = json!(3);
    edit["module_titles"]["similar_items"] = json!("More like this");

    let saved = put(&app, &key, "pdp", &json!({"version": 0, "settings": edit})).await;
    let after = demo_pdp(&app, product).await;

    assert_eq!(saved.status(), 200);
    assert!(longest_module(&before) > 3, "{before}");
    assert!(longest_module(&after) <= 3, "{after}");
    let similar = after["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "similar_items");
    if let Some(similar) = similar {
        assert_eq!(similar["title"], "More like this");
    }
}

#[tokio::test]
async fn serving_notices_a_save_from_another_process_at_its_recheck() {
    let (app, shop_id) = demo_mode_app_rechecking(None, 1).await;
    services::recs::train(&app.db, shop_id).await.unwrap();
    let product = crate::recs::some_product(&app).await;
    assert!(longest_module(&demo_pdp(&app, product).await) > 2);
    let mut edit = SurfaceSettings::defaults(Surface::Product);
    edit.list_length = 2;

    // Written straight to the database, as an admin request on another process would.
    services::settings::store::save(&app.db.conn, shop_id, Surface::Product, 0, &edit, "test")
        .await
        .unwrap();

    let noticed = eventually(std::time::Duration::from_secs(10), || async {
        longest_module(&demo_pdp(&app, product).await) <= 2
    })
    .await;
    assert!(noticed, "the served list follows the saved settings");
}

#[tokio::test]
async fn precompute_reads_the_saved_settings() {
    let (app, key, shop_id) = trained_demo_admin().await;
    let product = crate::recs::some_product(&app).await;
    let stored = || async {
        let version = services::recs::lists::current(&app.db.conn, shop_id)
            .await
            .unwrap()
            .lists
            .unwrap();
        let row = rec_list::Entity::find()
            .filter(rec_list::Column::ShopId.eq(shop_id))
            .filter(rec_list::Column::ListVersion.eq(version))
            .filter(rec_list::Column::Surface.eq("pdp"))
            .filter(rec_list::Column::SeedId.eq(product.to_string()))
            .all(&app.db.conn)
            .await
            .unwrap();
        row.into_iter().map(|r| r.items).collect::<Vec<_>>()
    };
    let before = stored().await;
    let mut edit = pdp_defaults();
    for (name, weight) in [
        ("relevance", 0.0),
        ("intent", 0.0),
        ("margin", 1.0),
        ("inventory", 0.0),
        ("novelty", 0.0),
    ] {
        edit["weights"][name] = json!(weight);
    }
    edit["list_length"] = json!(2);
    let saved = put(&app, &key, "pdp", &json!({"version": 0, "settings": edit})).await;
    assert_eq!(saved.status(), 200);

    precompute(&app, shop_id).await;

    let after = stored().await;
    assert_eq!((before.len(), after.len()), (1, 1), "one list per version");
    assert_ne!(
        before, after,
        "the margin-only weights reorder the stored list"
    );
}

#[tokio::test]
async fn the_preview_explains_each_item_and_shows_a_draft_without_saving_it() {
    let (app, key, _) = trained_demo_admin().await;
    let product = crate::recs::some_product(&app).await;
    let mut draft = pdp_defaults();
    draft["list_length"] = json!(2);
    let preview = |body: Value| {
        app.client
            .post(format!("{}/admin/api/preview", app.address))
            .header("x-meander-demo-key", &key)
            .json(&body)
            .send()
    };

    let response = preview(json!({"surface": "pdp", "product_id": product, "draft": draft}))
        .await
        .unwrap();
    let mut bad = pdp_defaults();
    bad["list_length"] = json!(0);
    let invalid = preview(json!({"surface": "pdp", "product_id": product, "draft": bad}))
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let current = &body["current"].as_array().unwrap()[0];
    let item = &current["items"][0];
    for component in ["relevance", "intent", "margin", "inventory", "novelty"] {
        assert!(item["components"][component].is_number(), "{item}");
    }
    assert_eq!(item["step"], "relevance", "slot 1 is the most relevant");
    let longest = |modules: &Value| {
        modules
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["items"].as_array().unwrap().len())
            .max()
            .unwrap()
    };
    assert!(longest(&body["current"]) > 2);
    assert_eq!(longest(&body["draft"]), 2);
    assert_eq!(invalid.status(), 422);
    assert_eq!(field_names(&json(invalid).await), ["list_length"]);
    assert_eq!(
        version_of(&app, &key, "pdp").await,
        0,
        "a draft is not saved"
    );
}

#[tokio::test]
async fn a_saved_version_that_no_longer_validates_is_skipped_and_the_last_valid_one_serves() {
    use sea_orm::{ActiveModelTrait, Set};
    use services::settings::store;
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let mut valid = SurfaceSettings::defaults(Surface::Product);
    valid.list_length = 5;
    store::save(&app.db.conn, shop_id, Surface::Product, 0, &valid, "test")
        .await
        .unwrap();
    // A row the ranker refuses (written before a rule tightened, or by hand).
    let mut broken = serde_json::to_value(&valid).unwrap();
    broken["list_length"] = json!(0);
    entity::shop_setting::ActiveModel {
        shop_id: Set(shop_id),
        surface: Set("pdp".into()),
        version: Set(2),
        settings: Set(broken),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&app.db.conn)
    .await
    .unwrap();

    let tuning = store::tuning(&app.db.conn, shop_id).await.unwrap();
    let listed = json(with_key(&app, "/admin/api/settings", &key).await).await;
    let next = put(
        &app,
        &key,
        "pdp",
        &json!({"version": 2, "settings": pdp_defaults()}),
    )
    .await;

    assert_eq!(tuning.versions()["pdp"], 1);
    assert_eq!(tuning.policies().get(Surface::Product).modules[0].slots, 5);
    let pdp = listed["surfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["surface"] == "pdp")
        .unwrap()
        .clone();
    assert_eq!(
        (pdp["version"].as_i64(), pdp["in_force"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(pdp["settings"]["list_length"], 5);
    assert_eq!(
        json(next).await["version"],
        3,
        "a save edits the newest version"
    );
}
