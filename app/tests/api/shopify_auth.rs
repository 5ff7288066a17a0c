//! Install by OAuth, embedded admin session tokens with token exchange, expiring-token refresh.

use std::time::Duration;

use chrono::Utc;
use entity::{ShopDomain, shop};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use services::shop_tokens::{self, RefreshOutcome};
use shopify::fake::FakeShopify;
use shopify::session_token;

use crate::helpers::{
    API_KEY, API_SECRET, TestApp, json, shopify_app_for, spawn_app, spawn_shopify_app, test_cipher,
};

const SHOP: &str = "cool-socks.myshopify.com";

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn find_shop(app: &TestApp, domain: &str) -> Option<shop::Model> {
    shop::Entity::find()
        .filter(shop::Column::Domain.eq(domain))
        .one(&app.db.conn)
        .await
        .unwrap()
}

/// Runs `/auth` and the fake's authorize step; returns the signed callback URL.
async fn start_install(app: &TestApp, shop: &str) -> String {
    let response = app.get(&format!("/auth?shop={shop}")).await;
    assert_eq!(response.status(), 302);
    let authorize = location(&response);
    let consent = app.client.get(&authorize).send().await.unwrap();
    assert_eq!(consent.status(), 302, "fake Shopify grants consent");
    location(&consent)
}

async fn assert_json_error(response: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status(), status);
    let body = json(response).await;
    assert!(body["error"].is_string(), "{body}");
    assert!(body["message"].is_string(), "{body}");
    body
}

#[tokio::test]
async fn oauth_install_stores_an_encrypted_token_and_opens_the_embedded_app() {
    let (app, fake) = spawn_shopify_app().await;

    let callback = start_install(&app, "Cool-Socks.myshopify.com").await;
    assert!(callback.starts_with(&format!("{}/auth/callback?", app.address)));
    let response = app.client.get(&callback).send().await.unwrap();

    assert_eq!(response.status(), 302);
    assert_eq!(
        location(&response),
        format!("https://{SHOP}/admin/apps/{API_KEY}")
    );
    let stored = find_shop(&app, SHOP).await.expect("shop row");
    let encrypted = stored.access_token_encrypted.expect("token stored");
    let plaintext = fake.current_access_token(SHOP).unwrap();
    assert!(
        !encrypted.contains(&plaintext),
        "token is not stored in clear"
    );
    let decrypted = test_cipher()
        .decrypt(&encrypted, &format!("{SHOP}/access_token"))
        .unwrap();
    assert_eq!(decrypted.expose_secret(), plaintext);
    assert!(stored.installed_at.is_some());
    assert!(stored.uninstalled_at.is_none());
    assert!(stored.scopes.contains("read_products"));
    assert_eq!(fake.code_exchanges(), 1);
}

#[tokio::test]
async fn install_redirect_asks_for_the_configured_scopes_offline() {
    let (app, _fake) = spawn_shopify_app().await;

    let response = app.get(&format!("/auth?shop={SHOP}")).await;

    let url = location(&response);
    assert!(
        url.contains(&format!(
            "/shops/{SHOP}/admin/oauth/authorize?client_id={API_KEY}"
        )),
        "{url}"
    );
    assert!(
        url.contains("scope=read_products%2Cread_inventory"),
        "{url}"
    );
    assert!(
        url.contains("grant_options%5B%5D=&") || url.ends_with("grant_options%5B%5D="),
        "{url}"
    );
    assert!(
        url.contains(&format!(
            "redirect_uri={}",
            urlencode(&format!("{}/auth/callback", app.address))
        )),
        "{url}"
    );
}

fn urlencode(value: &str) -> String {
    form_urlencoded_byte(value)
}

fn form_urlencoded_byte(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn install_refuses_shops_that_are_not_myshopify_names() {
    let (app, _fake) = spawn_shopify_app().await;

    for bad in [
        "evil.com",
        "cool-socks.myshopify.com.evil.com",
        "https%3A%2F%2Fcool-socks.myshopify.com",
        "-x.myshopify.com",
        "",
    ] {
        let response = app.get(&format!("/auth?shop={bad}")).await;
        assert_json_error(response, 400).await;
    }
    let response = app.get("/auth").await;
    assert_json_error(response, 400).await;
}

#[tokio::test]
async fn callback_with_a_tampered_hmac_or_parameter_is_rejected() {
    let (app, _fake) = spawn_shopify_app().await;
    let callback = start_install(&app, SHOP).await;

    let tampered = callback.replace("code=", "code=x");
    assert_json_error(app.client.get(&tampered).send().await.unwrap(), 401).await;
    let no_hmac: String = callback
        .split('&')
        .filter(|part| !part.starts_with("hmac="))
        .collect::<Vec<_>>()
        .join("&");
    assert_json_error(app.client.get(&no_hmac).send().await.unwrap(), 401).await;
    let duplicated = format!("{callback}&shop=evil.myshopify.com");
    assert_json_error(app.client.get(&duplicated).send().await.unwrap(), 401).await;
    assert!(
        find_shop(&app, SHOP).await.is_none(),
        "nothing half-applied"
    );
}

#[tokio::test]
async fn a_state_is_single_use_and_must_be_known() {
    let (app, fake) = spawn_shopify_app().await;
    let callback = start_install(&app, SHOP).await;

    let first = app.client.get(&callback).send().await.unwrap();
    assert_eq!(first.status(), 302);
    let replay = app.client.get(&callback).send().await.unwrap();
    assert_json_error(replay, 401).await;

    let now = Utc::now().timestamp().to_string();
    let forged = fake.sign_oauth(&[
        ("code", "abc"),
        ("shop", SHOP),
        ("state", "never-issued"),
        ("timestamp", &now),
    ]);
    let response = app.get(&format!("/auth/callback?{forged}")).await;
    assert_json_error(response, 401).await;
}

#[tokio::test]
async fn callback_with_a_stale_timestamp_is_rejected() {
    let (app, fake) = spawn_shopify_app().await;
    let callback = start_install(&app, SHOP).await;
    let state = shopify::signature::parse_query(callback.split_once('?').unwrap().1)
        .into_iter()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1;

    let old = (Utc::now().timestamp() - 3_600).to_string();
    let stale = fake.sign_oauth(&[
        ("code", "abc"),
        ("shop", SHOP),
        ("state", &state),
        ("timestamp", &old),
    ]);
    let response = app.get(&format!("/auth/callback?{stale}")).await;

    let body = assert_json_error(response, 401).await;
    assert!(body["message"].as_str().unwrap().contains("timestamp"));
}

#[tokio::test]
async fn callback_for_another_shop_than_the_state_is_rejected() {
    let (app, fake) = spawn_shopify_app().await;
    let callback = start_install(&app, SHOP).await;
    let state = shopify::signature::parse_query(callback.split_once('?').unwrap().1)
        .into_iter()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1;

    let now = Utc::now().timestamp().to_string();
    let foreign = fake.sign_oauth(&[
        ("code", "abc"),
        ("shop", "other-shop.myshopify.com"),
        ("state", &state),
        ("timestamp", &now),
    ]);
    let response = app.get(&format!("/auth/callback?{foreign}")).await;

    assert_json_error(response, 401).await;
    assert!(find_shop(&app, "other-shop.myshopify.com").await.is_none());
}

#[tokio::test]
async fn shopify_routes_answer_503_without_credentials() {
    let app = spawn_app().await;

    let response = app.get(&format!("/auth?shop={SHOP}")).await;

    assert_json_error(response, 503).await;
}

async fn admin_session(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/admin/api/session", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Opens the embedded admin once, which installs the shop by token exchange.
pub async fn install_by_token_exchange(
    app: &TestApp,
    fake: &FakeShopify,
    domain: &str,
) -> shop::Model {
    let shop = ShopDomain::parse(domain).unwrap();
    let token = fake.session_token(&shop, Utc::now().timestamp());
    let response = admin_session(app, &token).await;
    assert_eq!(response.status(), 200);
    find_shop(app, domain).await.expect("shop stored")
}

#[tokio::test]
async fn a_valid_session_token_is_exchanged_for_an_expiring_offline_token() {
    let (app, fake) = spawn_shopify_app().await;
    let shop = ShopDomain::parse(SHOP).unwrap();
    let token = fake.session_token(&shop, Utc::now().timestamp());

    let response = admin_session(&app, &token).await;

    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["shop"], SHOP);
    let stored = find_shop(&app, SHOP).await.unwrap();
    let cipher = test_cipher();
    let access = cipher
        .decrypt(
            stored.access_token_encrypted.as_deref().unwrap(),
            &format!("{SHOP}/access_token"),
        )
        .unwrap();
    let refresh = cipher
        .decrypt(
            stored.refresh_token_encrypted.as_deref().unwrap(),
            &format!("{SHOP}/refresh_token"),
        )
        .unwrap();
    assert_eq!(
        access.expose_secret(),
        fake.current_access_token(SHOP).unwrap()
    );
    assert_eq!(
        refresh.expose_secret(),
        fake.current_refresh_token(SHOP).unwrap()
    );
    let expires = stored.access_token_expires_at.unwrap();
    assert!(expires > Utc::now() + chrono::Duration::minutes(55));
    assert!(stored.refresh_token_expires_at.unwrap() > Utc::now() + chrono::Duration::days(80));

    let again = admin_session(&app, &token).await;
    assert_eq!(again.status(), 200);
    assert_eq!(fake.token_exchanges(), 1, "a usable token is reused");
}

#[tokio::test]
async fn expired_foreign_or_wrong_audience_session_tokens_are_rejected() {
    let (app, fake) = spawn_shopify_app().await;
    let shop = ShopDomain::parse(SHOP).unwrap();
    let now = Utc::now().timestamp();

    let expired = fake.session_token(&shop, now - 600);
    let mut foreign = session_token::claims_for(&shop, API_KEY, now);
    foreign.dest = "https://other-shop.myshopify.com".into();
    let foreign = session_token::sign(&foreign, API_SECRET.as_bytes());
    let wrong_aud = session_token::sign(
        &session_token::claims_for(&shop, "another-app", now),
        API_SECRET.as_bytes(),
    );
    let wrong_key = session_token::sign(
        &session_token::claims_for(&shop, API_KEY, now),
        b"not-our-secret",
    );

    for token in [expired, foreign, wrong_aud, wrong_key, "garbage".to_owned()] {
        assert_json_error(admin_session(&app, &token).await, 401).await;
    }
    let none = app.get("/admin/api/session").await;
    assert_json_error(none, 401).await;
    assert!(find_shop(&app, SHOP).await.is_none());
    assert_eq!(fake.token_exchanges(), 0);
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_only_one_runs_at_a_time() {
    let (app, fake) = spawn_shopify_app().await;
    let stored = install_by_token_exchange(&app, &fake, SHOP).await;
    let first_refresh_token = fake.current_refresh_token(SHOP).unwrap();
    let shopify = shopify_app_for(&fake);
    fake.set_refresh_delay(Duration::from_millis(400));

    let (a, b) = tokio::join!(
        shop_tokens::refresh(&app.db.conn, &shopify, stored.id, true),
        shop_tokens::refresh(&app.db.conn, &shopify, stored.id, true),
    );

    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        [RefreshOutcome::AlreadyRunning, RefreshOutcome::Refreshed]
    );
    assert_eq!(fake.refreshes(), 1, "one refresh reached Shopify");
    let rotated = fake.current_refresh_token(SHOP).unwrap();
    assert_ne!(rotated, first_refresh_token);
    let row = find_shop(&app, SHOP).await.unwrap();
    let stored_refresh = test_cipher()
        .decrypt(
            row.refresh_token_encrypted.as_deref().unwrap(),
            &format!("{SHOP}/refresh_token"),
        )
        .unwrap();
    assert_eq!(stored_refresh.expose_secret(), rotated);

    // A refresh that is not forced leaves a fresh token alone.
    fake.set_refresh_delay(Duration::ZERO);
    let outcome = shop_tokens::refresh(&app.db.conn, &shopify, stored.id, false)
        .await
        .unwrap();
    assert_eq!(outcome, RefreshOutcome::StillFresh);
    assert_eq!(fake.refreshes(), 1);
}

#[tokio::test]
async fn a_refresh_token_shopify_refuses_clears_the_dead_tokens() {
    let (app, fake) = spawn_shopify_app().await;
    let stored = install_by_token_exchange(&app, &fake, SHOP).await;
    // Another exchange rotates the pair at Shopify, so the stored refresh token is dead.
    let shop = ShopDomain::parse(SHOP).unwrap();
    let shopify = shopify_app_for(&fake);
    shopify
        .tokens
        .exchange_session_token(&shop, &fake.session_token(&shop, Utc::now().timestamp()))
        .await
        .unwrap();

    let result = shop_tokens::refresh(&app.db.conn, &shopify, stored.id, true).await;

    let err = result.unwrap_err().to_string();
    assert!(err.contains("invalid_grant"), "{err}");
    let row = find_shop(&app, SHOP).await.unwrap();
    assert!(row.access_token_encrypted.is_none());
    assert!(row.refresh_token_encrypted.is_none());
}

#[tokio::test]
async fn a_callback_that_meets_a_shopify_outage_can_be_retried() {
    let (app, fake) = spawn_shopify_app().await;
    let callback = start_install(&app, SHOP).await;
    fake.fail_next_token_requests(1);

    let first = app.client.get(&callback).send().await.unwrap();
    let retry = app.client.get(&callback).send().await.unwrap();

    assert_json_error(first, 503).await;
    assert_eq!(retry.status(), 302, "the state was kept for the retry");
    assert!(
        find_shop(&app, SHOP)
            .await
            .is_some_and(|s| s.installed_at.is_some())
    );
}

#[tokio::test]
async fn a_code_shopify_refuses_uses_the_state_up() {
    let (app, fake) = spawn_shopify_app().await;
    let callback = start_install(&app, SHOP).await;
    let param = |name: &str| {
        callback
            .split(['?', '&'])
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_owned()
    };
    let (state, timestamp) = (param("state"), param("timestamp"));
    // Signed like Shopify's redirect, with a code Shopify never issued: the exchange is a 4xx.
    let refused = fake.sign_oauth(&[
        ("code", "never-issued"),
        ("shop", SHOP),
        ("state", &state),
        ("timestamp", &timestamp),
    ]);

    let first = app.get(&format!("/auth/callback?{refused}")).await;
    let retry = app.client.get(&callback).send().await.unwrap();

    assert_json_error(first, 400).await;
    assert_json_error(retry, 401).await;
    assert!(find_shop(&app, SHOP).await.is_none());
}
