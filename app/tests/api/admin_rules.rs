//! Merchant rules through the admin API: validated per field, versioned with optimistic
//! concurrency, audited, applied by serving (also when saved by another process) and shown
//! by the preview; a pin to a product deleted later is inactive and ignored.

use std::time::Duration;

use entity::product;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::admin_pages::{demo_mode_app, demo_mode_app_rechecking, with_key};
use crate::admin_settings::{demo_pdp, field_names, pdp_defaults, put, trained_demo_admin};
use crate::helpers::{TestApp, eventually, json};
use crate::recs::{items, some_product};

/// How long a served list may take to follow a rule change: the model recheck is 1 s, but a
/// full parallel run on PostgreSQL with 2 cores has taken over 10 s to reload a model.
const SETTLE: Duration = Duration::from_secs(60);

async fn send(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .header("x-meander-demo-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn create(app: &TestApp, key: &str, rule: Value) -> reqwest::Response {
    send(
        app,
        key,
        reqwest::Method::POST,
        "/admin/api/rules",
        Some(json!({ "rule": rule })),
    )
    .await
}

async fn listed(app: &TestApp, key: &str) -> Vec<Value> {
    let body = json(with_key(app, "/admin/api/rules", key).await).await;
    body["rules"].as_array().unwrap().clone()
}

fn pin(product: i64, slot: usize) -> Value {
    json!({"action": {"kind": "pin", "slot": slot}, "match": {"kind": "product", "product_id": product}, "surface": "pdp"})
}

fn ids(modules: &Value) -> Vec<i64> {
    items(modules)
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// A product to pin on `seed`'s page: in stock (another page recommends it), shown nowhere on
/// `seed`'s page yet, and of a brand the page does not show (a pin keeps the cap of 2 per
/// brand in a module's top 8, which would refuse a third of a brand the page already holds
/// twice).
async fn outsider(app: &TestApp, seed: i64) -> i64 {
    let page = demo_pdp(app, seed).await;
    let shown = ids(&page);
    let on_page = items(&page);
    let brands: Vec<&str> = on_page.iter().filter_map(|i| i["brand"].as_str()).collect();
    let others = product::Entity::find()
        .filter(product::Column::Status.eq("active"))
        .filter(product::Column::Id.ne(seed))
        .all(&app.db.conn)
        .await
        .unwrap();
    for other in others.iter().take(20) {
        let theirs = demo_pdp(app, other.id).await;
        let found = items(&theirs).iter().find_map(|item| {
            let id: i64 = item["product_id"].as_str()?.parse().ok()?;
            let brand = item["brand"].as_str()?;
            (id != seed && !shown.contains(&id) && !brands.contains(&brand)).then_some(id)
        });
        if let Some(found) = found {
            return found;
        }
    }
    panic!("no product to pin");
}

#[tokio::test]
async fn an_invalid_rule_names_each_field_and_nothing_is_saved() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let product = some_product(&app).await;
    let mut backwards = pin(product, 2);
    backwards["starts_at"] = json!("2026-12-10T00:00:00Z");
    backwards["ends_at"] = json!("2026-12-01T00:00:00Z");
    let boost = json!({"action": {"kind": "boost", "amount": 2.0}, "match": {"kind": "vendor", "vendor": "x"}});

    let cases = [
        (pin(999_999_999, 2), vec!["match.product_id"]),
        (backwards, vec!["ends_at"]),
        (pin(product, 30), vec!["action.slot"]),
        (boost, vec!["action.amount"]),
        (
            json!({"action": {"kind": "pin", "slot": 2}, "match": {"kind": "tag", "tag": "x"}}),
            vec!["match.kind"],
        ),
    ];
    for (rule, fields) in cases {
        let response = create(&app, &key, rule).await;
        assert_eq!(response.status(), 422);
        let body = json(response).await;
        assert_eq!(body["error"], "invalid_fields");
        assert_eq!(field_names(&body), fields);
    }
    assert!(listed(&app, &key).await.is_empty(), "nothing was saved");
    let audit = json(with_key(&app, "/admin/api/audit", &key).await).await;
    assert!(audit["entries"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_rule_matching_nothing_is_saved_and_says_it_matches_0_products() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let rule =
        json!({"action": {"kind": "exclude"}, "match": {"kind": "tag", "tag": "no-such-tag"}});

    let response = create(&app, &key, rule).await;

    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(
        (body["id"].as_i64(), body["matches"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(body["status"], "matches 0 products");
    assert_eq!(body["active"], false);
    assert_eq!(
        body["warnings"],
        json!([{"code": "matches_nothing", "message": "matches no products"}]),
        "saved, but not a success"
    );
    let listed = &listed(&app, &key).await[0];
    assert_eq!(listed["status"], "matches 0 products");
    assert_eq!(listed["warnings"][0]["code"], "matches_nothing");
    let vendor = json!({"action": {"kind": "bury", "amount": 0.1}, "match": {"kind": "vendor", "vendor": vendor_of_some_product(&app).await}});
    let fine = json(create(&app, &key, vendor).await).await;
    assert_eq!(fine["warnings"], json!([]), "{fine}");
}

async fn vendor_of_some_product(app: &TestApp) -> String {
    product::Entity::find()
        .filter(product::Column::Status.eq("active"))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .vendor
}

#[tokio::test]
async fn a_rule_reaching_email_queues_the_precompute_and_a_pdp_rule_does_not() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let product = some_product(&app).await;
    let bury = |surface: Value| json!({"action": {"kind": "bury", "amount": 0.1}, "match": {"kind": "product", "product_id": product}, "surface": surface});

    create(&app, &key, bury(json!("pdp"))).await;
    let after_pdp = app.queued_jobs("precompute_lists").await;
    let everywhere = create(&app, &key, bury(Value::Null)).await;
    let after_everywhere = app.queued_jobs("precompute_lists").await;

    assert_eq!(everywhere.status(), 200);
    assert_eq!(after_pdp, 0, "serving applies a pdp rule itself");
    assert_eq!(
        after_everywhere, 1,
        "a rule on every surface reaches email's lists"
    );
}

#[tokio::test]
async fn a_second_tab_saving_an_old_version_gets_a_conflict_and_every_change_is_audited() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let product = some_product(&app).await;
    let created = json(create(&app, &key, pin(product, 2)).await).await;
    let path = format!("/admin/api/rules/{}", created["id"]);
    let edit = |slot: usize| Some(json!({"version": 1, "rule": pin(product, slot)}));

    let first_tab = send(&app, &key, reqwest::Method::PUT, &path, edit(3)).await;
    let second_tab = send(&app, &key, reqwest::Method::PUT, &path, edit(4)).await;
    let stale_delete = send(
        &app,
        &key,
        reqwest::Method::DELETE,
        &format!("{path}?version=1"),
        None,
    )
    .await;
    let delete = send(
        &app,
        &key,
        reqwest::Method::DELETE,
        &format!("{path}?version=2"),
        None,
    )
    .await;

    assert_eq!(json(first_tab).await["version"], 2);
    assert_eq!(second_tab.status(), 409);
    let refusal = json(second_tab).await;
    assert_eq!(refusal["error"], "conflict");
    assert!(
        refusal["message"]
            .as_str()
            .unwrap()
            .contains("current version is 2"),
        "{refusal}"
    );
    assert_eq!(stale_delete.status(), 409);
    assert_eq!(delete.status(), 200);
    assert!(listed(&app, &key).await.is_empty());
    let audit = json(with_key(&app, "/admin/api/audit", &key).await).await;
    let entries = audit["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["rule.delete", "rule.update", "rule.create"]);
    assert!(
        entries
            .iter()
            .all(|e| e["actor"] == "demo" && e["subject"] == "rule 1")
    );
    assert_eq!(entries[1]["before"]["action"]["slot"], 2);
    assert_eq!(entries[1]["after"]["action"]["slot"], 3);
    assert!(entries[0]["after"].is_null());
}

#[tokio::test]
async fn a_settings_save_is_audited_with_before_and_after() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let mut edit = pdp_defaults();
    edit["list_length"] = json!(6);

    put(&app, &key, "pdp", &json!({"version": 0, "settings": edit})).await;
    edit["list_length"] = json!(5);
    put(&app, &key, "pdp", &json!({"version": 1, "settings": edit})).await;

    let audit = json(with_key(&app, "/admin/api/audit", &key).await).await;
    let newest = &audit["entries"][0];
    assert_eq!(newest["action"], "settings.save");
    assert_eq!(
        (newest["actor"].as_str(), newest["subject"].as_str()),
        (Some("demo"), Some("pdp"))
    );
    assert_eq!(newest["before"]["list_length"], 6);
    assert_eq!(newest["after"]["list_length"], 5);
    assert!(
        audit["entries"][1]["before"].is_null(),
        "the first save had no before"
    );
}

#[tokio::test]
async fn a_pin_reaches_the_storefront_and_the_preview_says_what_placed_it() {
    let (app, key, _) = trained_demo_admin().await;
    let seed = some_product(&app).await;
    let pinned = outsider(&app, seed).await;

    let saved = create(&app, &key, pin(pinned, 2)).await;
    let page = demo_pdp(&app, seed).await;
    let exclude =
        json!({"action": {"kind": "exclude"}, "match": {"kind": "product", "product_id": pinned}});
    let preview = send(
        &app,
        &key,
        reqwest::Method::POST,
        "/admin/api/preview",
        Some(json!({"surface": "pdp", "product_id": seed, "draft_rule": {"rule": exclude}})),
    )
    .await;

    assert_eq!(saved.status(), 200);
    let first = &page["modules"][0]["items"];
    assert!(
        ids(&json!({"modules": [page["modules"][0]]})).contains(&pinned),
        "{first}"
    );
    let body = json(preview).await;
    let item = body["current"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["product_id"].as_str().and_then(|id| id.parse().ok()) == Some(pinned))
        .cloned()
        .unwrap();
    assert_eq!(item["step"], "pinned");
    assert!(
        item["note"]
            .as_str()
            .unwrap()
            .starts_with("pinned to slot 2 by rule 1"),
        "{item}"
    );
    assert!(
        !ids(&json!({"modules": body["draft"]})).contains(&pinned),
        "the unsaved exclusion wins"
    );
}

#[tokio::test]
async fn a_pin_to_a_product_deleted_later_is_inactive_and_the_storefront_ignores_it() {
    let (app, shop_id) = demo_mode_app_rechecking(None, 1).await;
    services::recs::train(&app.db, shop_id).await.unwrap();
    let key = app.demo_admin_key.clone().unwrap();
    let seed = some_product(&app).await;
    let pinned = outsider(&app, seed).await;
    create(&app, &key, pin(pinned, 2)).await;
    let shown = eventually(SETTLE, || async {
        ids(&demo_pdp(&app, seed).await).contains(&pinned)
    })
    .await;
    assert!(shown, "the pin is served before the product is deleted");

    product::Entity::update_many()
        .col_expr(
            product::Column::DeletedAt,
            Expr::value(Some(chrono::Utc::now())),
        )
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::Id.eq(pinned))
        .exec(&app.db.conn)
        .await
        .unwrap();
    services::catalog::revision::bump(&app.db.conn, shop_id)
        .await
        .unwrap();

    let rule = &listed(&app, &key).await[0];
    assert_eq!(rule["active"], false);
    assert!(
        rule["status"].as_str().unwrap().starts_with("inactive"),
        "{rule}"
    );
    assert_eq!(rule["warnings"][0]["code"], "product_inactive");
    let ignored = eventually(SETTLE, || async {
        !ids(&demo_pdp(&app, seed).await).contains(&pinned)
    })
    .await;
    assert!(
        ignored,
        "the storefront ignores the pin at its next recheck"
    );
    let nothing =
        json!({"action": {"kind": "exclude"}, "match": {"kind": "tag", "tag": "no-such-tag"}});
    let preview = send(
        &app,
        &key,
        reqwest::Method::POST,
        "/admin/api/preview",
        Some(json!({"surface": "pdp", "product_id": seed, "draft_rule": {"rule": nothing}})),
    )
    .await;
    let preview = json(preview).await;
    let notes = |column: &str| preview[column][0]["notes"].clone();
    let gone = format!("rule 1: product {pinned} was deleted or archived; ignored");
    assert!(
        notes("current").as_array().unwrap().contains(&json!(gone)),
        "{preview}"
    );
    assert!(
        notes("draft")
            .as_array()
            .unwrap()
            .contains(&json!("the unsaved rule: matches no products; ignored")),
        "{preview}"
    );
    assert_eq!(preview["warnings"][0]["code"], "matches_nothing");
    let again = create(&app, &key, pin(pinned, 3)).await;
    assert_eq!(again.status(), 422);
    assert_eq!(field_names(&json(again).await), ["match.product_id"]);
}

#[tokio::test]
async fn serving_notices_a_rule_saved_by_another_process_at_its_recheck() {
    let (app, shop_id) = demo_mode_app_rechecking(None, 1).await;
    services::recs::train(&app.db, shop_id).await.unwrap();
    let seed = some_product(&app).await;
    let shown = ids(&demo_pdp(&app, seed).await);
    let excluded = shown[0];
    let doc = serde_json::from_value(json!({"action": {"kind": "exclude"}, "match": {"kind": "product", "product_id": excluded}})).unwrap();

    // Written straight to the database, as an admin request on another process would.
    services::rules::store::create(&app.db.conn, shop_id, "test", &doc)
        .await
        .unwrap();

    let noticed = eventually(Duration::from_secs(10), || async {
        !ids(&demo_pdp(&app, seed).await).contains(&excluded)
    })
    .await;
    assert!(noticed, "the served list follows the saved rule");
}

#[tokio::test]
async fn deleting_a_shop_deletes_its_rules_and_audit_log() {
    use sea_orm::PaginatorTrait;
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let product = some_product(&app).await;
    assert_eq!(create(&app, &key, pin(product, 2)).await.status(), 200);

    services::compliance::delete_shop(&app.db.conn, shop_id)
        .await
        .unwrap();

    let rules = entity::merchant_rule::Entity::find()
        .filter(entity::merchant_rule::Column::ShopId.eq(shop_id))
        .count(&app.db.conn)
        .await
        .unwrap();
    let audit = entity::audit_entry::Entity::find()
        .filter(entity::audit_entry::Column::ShopId.eq(shop_id))
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!((rules, audit), (0, 0));
}
