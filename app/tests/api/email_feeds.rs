//! Klaviyo web feeds and the per-customer list over HTTP: turned on from the admin, served
//! by secret key, rotated, and an email click attributed to the list it came from.

use entity::{event, rec_list};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use worker::jobs::BuildEmailFeeds;
use worker::{Job, JobContext};

use crate::admin_api::admin_on_demo_shop_with;
use crate::helpers::{TestApp, json};

async fn admin_post(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The URL of `feed` in an admin answer, relative to the app.
fn feed_path(app: &TestApp, body: &Value, feed: &str) -> String {
    let url = body["feeds"]["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["feed"] == feed)
        .unwrap()["url"]
        .as_str()
        .unwrap();
    url.strip_prefix(&app.address).unwrap_or(url).to_owned()
}

async fn build_feeds(app: &TestApp, shop_id: i64, trigger: &str) {
    BuildEmailFeeds {
        shop_id,
        trigger: trigger.into(),
    }
    .run(JobContext::new(app.db.clone()))
    .await
    .unwrap();
}

/// What the web pixel sends when an email link with `rec_id` opens `product_id`'s page;
/// returns the stored click.
pub(crate) async fn email_click(
    app: &TestApp,
    shop_id: i64,
    rec_id: &str,
    product_id: &Value,
) -> event::Model {
    let click = json!({
        "id": format!("email-click-{rec_id}"), "kind": "click",
        "occurred_at": chrono::Utc::now(), "anonymous_id": "a-email",
        "session_id": "s-email", "product_id": product_id, "rec_id": rec_id,
        "surface": "email", "referrer": "email",
    });
    app.post_events(shop_id, &[click]).await;
    event::Entity::find()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::RecId.eq(rec_id))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn feeds_turned_on_in_the_admin_are_served_by_their_secret_url_until_rotated() {
    let (app, _fake, token, shop_id) = admin_on_demo_shop_with(|_| {}).await;
    assert_eq!(
        admin_post(&app, "/admin/api/email/feeds", None)
            .await
            .status(),
        401
    );

    let enabled = json(admin_post(&app, "/admin/api/email/feeds", Some(&token)).await).await;

    assert_eq!(enabled["feeds"]["enabled"], true, "{enabled}");
    let path = feed_path(&app, &enabled, "new-arrivals");
    let pending = app.get(&path).await;
    assert_eq!(pending.status(), 503, "not built yet");
    assert!(pending.headers().contains_key("retry-after"));

    build_feeds(&app, shop_id, "first").await;
    let served = app.get(&path).await;
    assert_eq!(served.status(), 200);
    let document = json(served).await;
    let everyone = document["cohorts"]["all"]["items"].as_array().unwrap();
    assert!(!everyone.is_empty() && everyone.len() <= 12, "{document}");
    assert!(
        everyone[0]["url"]
            .as_str()
            .unwrap()
            .contains("meander_rec=ef_")
    );
    assert_eq!(
        app.get("/feeds/new-arrivals.json?key=mf_wrong")
            .await
            .status(),
        404
    );
    let unknown_feed = path.replace("new-arrivals", "everything");
    assert_eq!(app.get(&unknown_feed).await.status(), 404);

    let rotated = json(admin_post(&app, "/admin/api/email/feeds/rotate", Some(&token)).await).await;
    let new_path = feed_path(&app, &rotated, "new-arrivals");
    assert_ne!(new_path, path);
    assert_eq!(app.get(&path).await.status(), 404, "the old URL is retired");
    assert_eq!(app.get(&new_path).await.status(), 200);
}

#[tokio::test]
async fn a_click_from_a_feed_is_attributed_to_the_cohort_list_it_came_from() {
    let (app, _fake, token, shop_id) = admin_on_demo_shop_with(|_| {}).await;
    let enabled = json(admin_post(&app, "/admin/api/email/feeds", Some(&token)).await).await;
    build_feeds(&app, shop_id, "first").await;
    let document = json(app.get(&feed_path(&app, &enabled, "new-arrivals")).await).await;
    let cohort = &document["cohorts"]["all"];
    let rec_id = cohort["rec_id"].as_str().unwrap();
    let product_id = cohort["items"][1]["id"].as_str().unwrap();

    let stored = email_click(&app, shop_id, rec_id, &json!(product_id)).await;

    assert!(
        stored.impression_id.is_some(),
        "attributed to the logged cohort list"
    );
    assert_eq!(stored.surface.as_deref(), Some("email"));
    assert_eq!(stored.position, Some(2));
}

#[tokio::test]
async fn a_customer_s_email_list_is_served_by_the_feed_key() {
    let (app, _fake, token, shop_id) = admin_on_demo_shop_with(|_| {}).await;
    let enabled = json(admin_post(&app, "/admin/api/email/feeds", Some(&token)).await).await;
    let key = feed_path(&app, &enabled, "trending")
        .split("key=")
        .nth(1)
        .unwrap()
        .to_owned();
    let customer = rec_list::Entity::find()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::Surface.eq("email"))
        .filter(rec_list::Column::SeedId.starts_with("customer:"))
        .one(&app.db.conn)
        .await
        .unwrap()
        .expect("the demo shop has customers with email lists")
        .seed_id
        .replace("customer:", "");

    let found = app
        .get(&format!("/feeds/profiles/{customer}.json?key={key}"))
        .await;
    let unknown = app.get(&format!("/feeds/profiles/1.json?key={key}")).await;
    let malformed = app
        .get(&format!("/feeds/profiles/abc.json?key={key}"))
        .await;
    let no_key = app.get(&format!("/feeds/profiles/{customer}.json")).await;

    assert_eq!(found.status(), 200);
    let list = json(found).await;
    assert!(!list["items"].as_array().unwrap().is_empty(), "{list}");
    assert!(list["rec_id"].as_str().unwrap().starts_with("em_"));
    assert_eq!(unknown.status(), 404);
    assert_eq!(malformed.status(), 400);
    assert_eq!(no_key.status(), 404);
}

#[tokio::test]
async fn klaviyo_is_connected_from_the_admin_and_a_refused_key_is_explained() {
    let klaviyo = klaviyo::fake::FakeKlaviyo::start();
    let base_url = klaviyo.address.clone();
    let (app, _fake, token, _) = admin_on_demo_shop_with(|s| s.klaviyo.base_url = base_url).await;
    let connect = |key: &str, token: Option<&str>| {
        let mut request = app
            .client
            .post(format!("{}/admin/api/email/klaviyo", app.address))
            .json(&json!({ "api_key": key }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let anonymous = connect(klaviyo::fake::API_KEY, None).await.unwrap();
    let refused = connect("pk_not_a_real_key", Some(&token)).await.unwrap();
    let connected = connect(klaviyo::fake::API_KEY, Some(&token)).await.unwrap();

    assert_eq!(anonymous.status(), 401);
    assert_eq!(refused.status(), 400);
    let refusal = json(refused).await;
    assert_eq!(refusal["error"], "bad_request");
    assert!(
        refusal["message"].as_str().unwrap().contains("refused"),
        "{refusal}"
    );
    assert_eq!(connected.status(), 200);
    let body = json(connected).await;
    assert_eq!(body["klaviyo"]["status"], "connected", "{body}");
    assert_eq!(body["feeds"]["enabled"], false);
}
