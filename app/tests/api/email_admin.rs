//! The admin's email policy over HTTP: saving the holdout settings, the holdout comparison
//! (JSON and CSV), and a click on a pushed list's link attributed to the list and counted
//! for its profile's arm.
use common::settings::KlaviyoSettings;
use entity::{rec_list, shop};
use klaviyo::fake::FakeKlaviyo;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use services::email::{self, KlaviyoApi, PushOptions};
use services::recs::lists::LISTS_KIND;
use shopify::TokenCipher;

use crate::admin_api::admin_on_demo_shop_with;
use crate::email_feeds::email_click;
use crate::helpers::{TOKEN_KEY, TestApp, json};

/// The demo shop in the admin with Klaviyo (the fake) connected by a private key.
async fn connected() -> (TestApp, FakeKlaviyo, String, i64) {
    let klaviyo = FakeKlaviyo::start();
    let base_url = klaviyo.address.clone();
    let (app, _shopify, token, shop_id) = admin_on_demo_shop_with(|s| {
        s.klaviyo.base_url = base_url;
    })
    .await;
    let connect = app
        .client
        .post(format!("{}/admin/api/email/klaviyo", app.address))
        .bearer_auth(&token)
        .json(&json!({ "api_key": klaviyo::fake::API_KEY }))
        .send()
        .await
        .unwrap();
    assert_eq!(connect.status(), 200);
    (app, klaviyo, token, shop_id)
}

async fn put_settings(app: &TestApp, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app
        .client
        .put(format!("{}/admin/api/email/settings", app.address))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn admin_get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// Pushes the shop's latest list version to the fake, every customer with a list known to
/// Klaviyo; returns the customers pushed.
async fn push_latest(app: &TestApp, klaviyo: &FakeKlaviyo, shop_id: i64) -> Vec<String> {
    let conn = &app.db.conn;
    let version = services::recs::store::latest_ready(conn, shop_id, LISTS_KIND)
        .await
        .unwrap()
        .unwrap()
        .version;
    let customers: Vec<String> = rec_list::Entity::find()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::ListVersion.eq(&version))
        .filter(rec_list::Column::Surface.eq("email"))
        .filter(rec_list::Column::SeedId.starts_with("customer:"))
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.seed_id.replace("customer:", ""))
        .collect();
    klaviyo.add_profiles(customers.iter().map(|id| (None, Some(id.as_str()))));
    let api = KlaviyoApi::from_settings(&KlaviyoSettings {
        base_url: klaviyo.address.clone(),
        poll_interval_ms: 10,
        ..KlaviyoSettings::default()
    });
    let cipher = TokenCipher::from_base64(&TOKEN_KEY.into()).unwrap();
    let shop = shop::Entity::find_by_id(shop_id)
        .one(conn)
        .await
        .unwrap()
        .unwrap();
    let options = PushOptions::new(api.poll);
    let summary = email::push_for_shop(conn, &api, &cipher, &shop, &version, &options)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.imported, customers.len(), "{summary:?}");
    customers
}

#[tokio::test]
async fn the_merchant_saves_the_holdout_policy_and_bad_values_are_named() {
    let (app, _klaviyo, token, _) = connected().await;
    let change = json!({"version": 0, "settings": {"holdout_share": 0.2, "holdout_mode": "no_block", "list_len": 4}});

    let anonymous = put_settings(&app, None, &change).await;
    let saved = put_settings(&app, Some(&token), &change).await;
    let stale = put_settings(&app, Some(&token), &change).await;
    let invalid = put_settings(
        &app,
        Some(&token),
        &json!({"version": 1, "settings": {"holdout_share": 0.9, "holdout_mode": "sometimes",
                "list_len": 0, "colour": "red"}}),
    )
    .await;
    let unknown_top = put_settings(
        &app,
        Some(&token),
        &json!({"version": 1, "settings": {}, "x": 1}),
    )
    .await;

    assert_eq!(anonymous.status(), 401);
    assert_eq!(saved.status(), 200);
    let saved = json(saved).await;
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["settings"]["holdout_mode"], "no_block");
    assert_eq!(stale.status(), 409);
    assert_eq!(json(stale).await["error"], "conflict");
    assert_eq!(invalid.status(), 422);
    let invalid = json(invalid).await;
    assert_eq!(invalid["error"], "invalid_fields");
    let mut fields: Vec<&str> = invalid["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["colour", "holdout_mode", "holdout_share", "list_len"]
    );
    assert!(
        unknown_top.status().is_client_error(),
        "{}",
        unknown_top.status()
    );
    let shown = json(admin_get(&app, "/admin/api/email", Some(&token)).await).await;
    let klaviyo = &shown["klaviyo"];
    assert_eq!(klaviyo["settings_version"], 1);
    assert_eq!(klaviyo["settings"]["holdout_share"], 0.2);
    assert_eq!(klaviyo["settings"]["list_len"], 4);
}

#[tokio::test]
async fn email_settings_need_a_klaviyo_connection() {
    let (app, _shopify, token, _) = admin_on_demo_shop_with(|_| {}).await;

    let response = put_settings(
        &app,
        Some(&token),
        &json!({"version": 0, "settings": {"holdout_share": 0.2}}),
    )
    .await;

    assert_eq!(response.status(), 404);
    assert!(
        json(response).await["message"]
            .as_str()
            .unwrap()
            .contains("connect Klaviyo")
    );
}

#[tokio::test]
async fn a_click_on_a_pushed_link_is_attributed_and_counted_for_its_profile_s_arm() {
    let (app, klaviyo, token, shop_id) = connected().await;
    let pushed = push_latest(&app, &klaviyo, shop_id).await;
    let profile = klaviyo
        .profiles()
        .into_iter()
        .find(|p| {
            p.properties["meander_recs"]
                .as_array()
                .is_some_and(|recs| recs.len() >= 2)
        })
        .unwrap();
    let arm = profile.properties["meander_recs_arm"]
        .as_str()
        .unwrap()
        .to_owned();
    let item = &profile.properties["meander_recs"][1];
    let url = reqwest::Url::parse(item["url"].as_str().unwrap()).unwrap();
    let rec_id = url
        .query_pairs()
        .find(|(k, _)| k == "meander_rec")
        .unwrap()
        .1
        .into_owned();
    assert!(rec_id.starts_with("em_"), "{url}");

    let stored = email_click(&app, shop_id, &rec_id, &item["id"]).await;

    assert!(
        stored.impression_id.is_some(),
        "attributed to the pushed list"
    );
    assert_eq!(stored.surface.as_deref(), Some("email"));
    assert_eq!(stored.position, Some(2));

    assert_eq!(
        admin_get(&app, "/admin/api/email/holdout", None)
            .await
            .status(),
        401
    );
    let compared = json(admin_get(&app, "/admin/api/email/holdout", Some(&token)).await).await;
    let (clicked, other) = if arm == "holdout" {
        (&compared["holdout"], &compared["treatment"])
    } else {
        (&compared["treatment"], &compared["holdout"])
    };
    assert_eq!(clicked["clicks"], 1, "{compared}");
    assert_eq!(clicked["clicked"]["successes"], 1);
    assert_eq!(other["clicks"], 0);
    let profiles = clicked["profiles"].as_u64().unwrap() + other["profiles"].as_u64().unwrap();
    assert_eq!(
        profiles,
        pushed.len() as u64,
        "every pushed profile is in an arm"
    );
    assert_eq!(compared["currency"], "USD", "the demo shop's");
    assert!(compared["rows"].as_array().unwrap().len() >= 5);

    let csv = admin_get(&app, "/admin/api/email/holdout.csv", Some(&token)).await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("metric,treatment,holdout,difference,difference_low,difference_high\n"),
        "{text}"
    );
    assert!(text.contains("\nemail_clicks,"), "{text}");
}
