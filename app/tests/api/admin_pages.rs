//! The merchant admin's pages: the embedded app at `/` (App Bridge, session token, a CSP
//! limited to the shop's admin) and the demo admin opened with the per-process key, which
//! opens the demo shop only, only in demo mode.

use app::ServeOptions;
use chrono::Utc;
use common::settings::DemoSettings;
use entity::{ShopDomain, shop};
use sea_orm::EntityTrait;

use crate::helpers::{
    API_KEY, API_SECRET, TOKEN_KEY, TestApp, json, spawn_app, spawn_app_with, spawn_shopify_app,
};

/// A small demo shop, loaded (not trained), in an app running in demo mode; with Shopify
/// credentials against `fake` when given.
pub(crate) async fn demo_mode_app(fake: Option<&shopify::fake::FakeShopify>) -> (TestApp, i64) {
    demo_mode_app_rechecking(fake, 30).await
}

/// [`demo_mode_app`] whose serving rechecks models every `recheck_secs`.
pub(crate) async fn demo_mode_app_rechecking(
    fake: Option<&shopify::fake::FakeShopify>,
    recheck_secs: u64,
) -> (TestApp, i64) {
    let template = fake.map(shopify::fake::FakeShopify::shop_url_template);
    // No background worker: the demo load the start queues must not race the one below.
    let app = spawn_app_with(ServeOptions { with_worker: false }, |s| {
        s.demo.enabled = Some(true);
        s.server.model_recheck_secs = recheck_secs;
        if let Some(template) = template {
            s.shopify.api_key = API_KEY.into();
            s.shopify.api_secret = Some(API_SECRET.into());
            s.shopify.token_encryption_key = Some(TOKEN_KEY.into());
            s.shopify.shop_url_template = template;
        }
    })
    .await;
    let settings = DemoSettings {
        products: 200,
        shoppers: 40,
        sessions: 400,
        ..Default::default()
    };
    let summary = services::demo::load(&app.db, &settings).await.unwrap();
    (app, summary.shop_id)
}

pub(crate) async fn with_key(app: &TestApp, path: &str, key: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .header("x-meander-demo-key", key)
        .send()
        .await
        .unwrap()
}

fn csp(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_embedded_admin_renders_app_bridge_and_is_framed_only_by_the_shops_admin() {
    let (app, fake) = spawn_shopify_app().await;
    let domain = ShopDomain::parse("shop-a.myshopify.com").unwrap();
    let token = fake.session_token(&domain, Utc::now().timestamp());

    for path in ["/", "/settings", "/preview", "/rules"] {
        let response = app.get(&format!("{path}?id_token={token}")).await;

        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            csp(&response),
            "frame-ancestors https://shop-a.myshopify.com https://admin.shopify.com;"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(
            r#"<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js"></script>"#
        ));
        assert!(html.contains(&format!(
            r#"<meta name="shopify-api-key" content="{API_KEY}">"#
        )));
        assert!(
            html.contains("shopify.idToken()"),
            "the scripts use App Bridge tokens"
        );
    }
}

#[tokio::test]
async fn the_embedded_admin_without_a_valid_token_is_refused() {
    let (app, fake) = spawn_shopify_app().await;
    let domain = ShopDomain::parse("shop-a.myshopify.com").unwrap();
    let expired = fake.session_token(&domain, Utc::now().timestamp() - 3_600);

    let missing = app.get("/").await;
    let stale = app.get(&format!("/?id_token={expired}")).await;

    assert_eq!(missing.status(), 401);
    assert_eq!(json(missing).await["error"], "unauthorized");
    assert_eq!(stale.status(), 401);
}

#[tokio::test]
async fn the_embedded_admin_opened_with_a_shop_but_no_token_goes_to_the_install_flow() {
    let (app, fake) = spawn_shopify_app().await;
    let domain = ShopDomain::parse("shop-a.myshopify.com").unwrap();
    let expired = fake.session_token(&domain, Utc::now().timestamp() - 3_600);

    let bare = app.get("/?shop=shop-a.myshopify.com&host=abc").await;
    let stale = app
        .get(&format!("/?shop=shop-a.myshopify.com&id_token={expired}"))
        .await;
    let bad_shop = app.get("/?shop=evil.example.com").await;

    assert_eq!(bare.status(), 302);
    assert_eq!(
        bare.headers()["location"],
        "/auth?shop=shop-a.myshopify.com"
    );
    assert_eq!(stale.status(), 401, "a token that fails is not sent around");
    assert_eq!(bad_shop.status(), 401);
}

#[tokio::test]
async fn the_demo_key_opens_the_demo_admin_and_its_api() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().expect("demo mode prints a key");

    let page = app.get(&format!("/demo/admin/settings?key={key}")).await;
    let rules = app.get(&format!("/demo/admin/rules?key={key}")).await;
    let wrong = app.get("/demo/admin?key=not-the-key").await;
    let api = with_key(&app, "/admin/api/settings", &key).await;
    let wrong_api = with_key(&app, "/admin/api/settings", "nope").await;
    let proxied = app
        .client
        .get(format!("{}/admin/api/settings", app.address))
        .header("x-meander-demo-key", &key)
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();

    assert_eq!(page.status(), 200);
    assert_eq!(csp(&page), "frame-ancestors 'none';");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("app-bridge.js"),
        "no App Bridge outside Shopify"
    );
    assert!(html.contains(r#"data-page="settings""#));
    assert!(
        html.contains(r#"href="/demo/admin/rules""#),
        "the nav links the rules"
    );
    assert!(rules.text().await.unwrap().contains(r#"data-page="rules""#));
    assert_eq!(wrong.status(), 401);
    assert_eq!(api.status(), 200);
    assert_eq!(json(api).await["surfaces"].as_array().unwrap().len(), 5);
    assert_eq!(wrong_api.status(), 401);
    assert_eq!(
        proxied.status(),
        403,
        "only from this machine, not through a proxy"
    );
}

#[tokio::test]
async fn the_demo_key_does_not_open_a_shop_installed_from_shopify() {
    let fake = shopify::fake::FakeShopify::start(API_KEY, API_SECRET);
    let (app, shop_id) = demo_mode_app(Some(&fake)).await;
    let key = app.demo_admin_key.clone().unwrap();
    let domain = shop::Entity::find_by_id(shop_id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
        .domain;
    // The merchant opens the shop from Shopify: token exchange stores its token.
    let token = fake.session_token(&ShopDomain::parse(&domain).unwrap(), Utc::now().timestamp());
    let installed = app.get(&format!("/?id_token={token}")).await;
    assert_eq!(installed.status(), 200);

    let page = app.get(&format!("/demo/admin?key={key}")).await;
    let api = with_key(&app, "/admin/api/settings", &key).await;

    assert_eq!(page.status(), 403);
    assert_eq!(api.status(), 403);
    assert_eq!(json(api).await["error"], "forbidden");
}

#[tokio::test]
async fn outside_demo_mode_there_is_no_demo_key_and_none_is_accepted() {
    let app = spawn_app().await;

    let page = app.get("/demo/admin?key=anything").await;
    let api = with_key(&app, "/admin/api/settings", "anything").await;

    assert!(app.demo_admin_key.is_none());
    assert_eq!(page.status(), 401);
    assert_eq!(api.status(), 401);
    assert!(
        json(api).await["message"]
            .as_str()
            .unwrap()
            .contains("demo mode")
    );
}

#[tokio::test]
async fn the_onboarding_overview_shows_the_catalog_the_sync_and_the_theme_block_links() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();

    let response = with_key(&app, "/admin/api/overview", &key).await;

    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let onboarding = &body["onboarding"];
    assert_eq!(onboarding["counts"]["products"], 200);
    assert!(onboarding["counts"]["variants"].as_u64().unwrap() >= 200);
    let demo = onboarding["sync"]
        .as_array()
        .unwrap()
        .iter()
        .find(|phase| phase["kind"] == "demo")
        .expect("the demo load's sync run");
    assert_eq!(demo["status"], "succeeded");
    assert!(onboarding["list_version"].is_null(), "not trained yet");
    assert!(onboarding["klaviyo"].is_null(), "Klaviyo is not connected");
    assert_eq!(
        onboarding["web_pixel"]["status"], "not_needed",
        "the demo store sends its own events"
    );
    let variants = &onboarding["variants"];
    assert_eq!(variants["phase"], "demo");
    assert_eq!(variants["done"], onboarding["counts"]["variants"]);
    assert_eq!(variants["total"], variants["done"], "the load finished");
    assert_eq!(onboarding["next_step"]["step"], "wait_for_lists");
    let blocks = body["theme_blocks"].as_array().unwrap();
    let handles: Vec<&str> = blocks
        .iter()
        .map(|b| b["handle"].as_str().unwrap())
        .collect();
    for handle in &handles {
        let file = format!(
            "{}/../extension/meander-recs/blocks/{handle}.liquid",
            env!("CARGO_MANIFEST_DIR")
        );
        assert!(std::path::Path::new(&file).exists(), "{file}");
    }
    let url = blocks[0]["url"].as_str().unwrap();
    assert!(
        url.contains("/admin/themes/current/editor?template=product&addAppBlockId="),
        "{url}"
    );
}

#[tokio::test]
async fn once_the_lists_are_ready_the_next_step_is_adding_the_app_blocks() {
    let (app, key, _) = crate::admin_settings::trained_demo_admin().await;

    let body = json(with_key(&app, "/admin/api/overview", &key).await).await;

    let next = &body["onboarding"]["next_step"];
    assert_eq!(next["step"], "add_app_blocks", "{next}");
    assert!(next["message"].as_str().unwrap().contains("app blocks"));
    assert!(body["onboarding"]["list_version"].is_string());
}

#[tokio::test]
async fn a_browser_refused_the_admin_gets_a_page_saying_what_to_do_and_the_api_keeps_json() {
    let (shopify, _fake) = spawn_shopify_app().await;
    let (demo_app, _) = demo_mode_app(None).await;
    let browse = |app: &TestApp, path: &str| {
        app.client
            .get(format!("{}{path}", app.address))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
    };

    let embedded = browse(&shopify, "/").await.unwrap();
    let demo = browse(&demo_app, "/demo/admin?key=wrong").await.unwrap();
    let api = browse(&shopify, "/admin/api/settings").await.unwrap();

    assert_eq!(embedded.status(), 401);
    assert!(csp(&embedded).contains("https://admin.shopify.com"));
    let page = embedded.text().await.unwrap();
    assert!(
        page.contains("Open Meander from your Shopify admin"),
        "{page}"
    );
    assert_eq!(demo.status(), 401);
    let page = demo.text().await.unwrap();
    assert!(page.contains("wrong demo admin key"), "{page}");
    assert!(page.contains("printed in its log"), "{page}");
    assert_eq!(api.status(), 401);
    assert_eq!(json(api).await["error"], "unauthorized");
}
