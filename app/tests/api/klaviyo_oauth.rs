//! "Connect with Klaviyo" over HTTP against the fake Klaviyo: start from the admin, consent,
//! callback, the push with the bearer token, refresh with rotation ahead of expiry, a
//! revoked grant shown as `needs_reconnect`, state replay and Klaviyo outages, disconnect.

use chrono::{Duration, Utc};
use common::settings::{KlaviyoOAuthSettings, KlaviyoSettings};
use entity::{klaviyo_account, klaviyo_oauth_state, rec_list};
use klaviyo::fake::{CLIENT_ID, CLIENT_SECRET, FakeKlaviyo, REDIRECT_URL};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use services::email::KlaviyoApi;
use worker::jobs::PushEmailLists;
use worker::{Job as _, JobContext};

use crate::admin_api::admin_on_demo_shop_with;
use crate::helpers::{TestApp, json, shopify_app_for};

/// The app's Klaviyo settings for `fake`: its API, its registered OAuth app, quick polls.
fn klaviyo_settings(fake: &FakeKlaviyo) -> KlaviyoSettings {
    let at = |path: &str| Some(format!("{}{path}", fake.address));
    KlaviyoSettings {
        base_url: fake.address.clone(),
        poll_interval_ms: 10,
        oauth: Some(KlaviyoOAuthSettings {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_url: REDIRECT_URL.into(),
            scopes: klaviyo::fake::ALL_SCOPES.map(str::to_owned).to_vec(),
            authorize_url: at("/oauth/authorize"),
            token_url: at("/oauth/token"),
            revoke_url: at("/oauth/revoke"),
            state_ttl_minutes: 10,
            refresh_lead_secs: 300,
        }),
        ..KlaviyoSettings::default()
    }
}

struct Rig {
    app: TestApp,
    shopify: shopify::fake::FakeShopify,
    klaviyo: FakeKlaviyo,
    token: String,
    shop_id: i64,
}

async fn rig() -> Rig {
    let klaviyo = FakeKlaviyo::start();
    let settings = klaviyo_settings(&klaviyo);
    let (app, shopify, token, shop_id) = admin_on_demo_shop_with(|s| s.klaviyo = settings).await;
    Rig {
        app,
        shopify,
        klaviyo,
        token,
        shop_id,
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Rig {
    async fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        self.app
            .client
            .request(method, format!("{}{path}", self.app.address))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    async fn email(&self) -> Value {
        json(self.admin(reqwest::Method::GET, "/admin/api/email").await).await
    }

    /// Starts a connect and consents at the fake: the callback path on this app.
    async fn consent(&self) -> String {
        let started = self
            .admin(reqwest::Method::POST, "/admin/api/email/klaviyo/oauth")
            .await;
        assert_eq!(started.status(), 200);
        let url = json(started).await["authorize_url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(url.starts_with(&self.klaviyo.address), "{url}");
        let consented = no_redirects().get(&url).send().await.unwrap();
        let location = consented.headers()["location"].to_str().unwrap();
        location.strip_prefix(REDIRECT_URL).unwrap().to_owned()
    }

    /// Opens the callback as the browser would: the status and where it sends the merchant.
    async fn callback(&self, query: &str) -> (u16, String, Value) {
        let url = format!("{}/klaviyo/callback{query}", self.app.address);
        let answer = no_redirects().get(url).send().await.unwrap();
        let status = answer.status().as_u16();
        let location = answer
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, answer.json().await.unwrap_or(Value::Null))
    }

    async fn connect(&self) {
        let (status, location, _) = self.callback(&self.consent().await).await;
        assert_eq!(status, 303);
        assert!(location.ends_with("?klaviyo=connected"), "{location}");
    }

    /// Runs the push job of the shop's current list version, as a worker would.
    async fn push(&self) -> Result<(), worker::JobError> {
        let list = rec_list::Entity::find()
            .filter(rec_list::Column::ShopId.eq(self.shop_id))
            .filter(rec_list::Column::Surface.eq("email"))
            .one(&self.app.db.conn)
            .await
            .unwrap()
            .unwrap();
        let ctx = JobContext::new(self.app.db.clone())
            .with_shopify(Some(shopify_app_for(&self.shopify)))
            .with_klaviyo(KlaviyoApi::from_settings(&klaviyo_settings(&self.klaviyo)));
        PushEmailLists {
            shop_id: self.shop_id,
            list_version: list.list_version,
        }
        .run(ctx)
        .await
    }

    /// Lets Klaviyo know every customer with an email list.
    async fn customers_in_klaviyo(&self) {
        let lists = rec_list::Entity::find()
            .filter(rec_list::Column::ShopId.eq(self.shop_id))
            .filter(rec_list::Column::Surface.eq("email"))
            .filter(rec_list::Column::SeedId.starts_with("customer:"))
            .all(&self.app.db.conn)
            .await
            .unwrap();
        let ids: Vec<String> = lists
            .iter()
            .map(|l| l.seed_id.trim_start_matches("customer:").to_owned())
            .collect();
        assert!(!ids.is_empty(), "the demo shop has customers with lists");
        self.klaviyo
            .add_profiles(ids.iter().map(|id| (None, Some(id.as_str()))));
    }

    async fn let_the_token_lapse(&self) {
        klaviyo_account::Entity::update_many()
            .col_expr(
                klaviyo_account::Column::AccessTokenExpiresAt,
                Expr::value(Utc::now() - Duration::minutes(1)),
            )
            .filter(klaviyo_account::Column::ShopId.eq(self.shop_id))
            .exec(&self.app.db.conn)
            .await
            .unwrap();
    }

    fn refresh_token(&self) -> String {
        let live = self.klaviyo.live_refresh_tokens();
        assert_eq!(live.len(), 1, "{live:?}");
        live.into_keys().next().unwrap()
    }
}

#[tokio::test]
async fn connect_with_klaviyo_pushes_with_the_token_refreshes_it_and_asks_for_a_reconnect() {
    let rig = rig().await;
    assert_eq!(rig.email().await["oauth_available"], true);

    rig.connect().await;
    let connected = rig.email().await;
    assert_eq!(connected["klaviyo"]["status"], "connected", "{connected}");
    assert_eq!(connected["klaviyo"]["connection"], "oauth");
    assert!(connected["klaviyo"]["token_expires_at"].is_string());

    rig.customers_in_klaviyo().await;
    rig.push().await.unwrap();
    let calls: Vec<_> = rig
        .klaviyo
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/profile-bulk-import-jobs") && r.method == "POST")
        .collect();
    assert!(!calls.is_empty(), "the push imported profiles");
    assert!(calls.iter().all(|r| {
        r.header("authorization")
            .is_some_and(|a| a.starts_with("Bearer fake-access-"))
    }));

    let first = rig.refresh_token();
    rig.let_the_token_lapse().await;
    rig.push().await.unwrap();
    assert_eq!(rig.klaviyo.refresh_grants(), 1);
    assert_ne!(rig.refresh_token(), first, "the refresh token rotated");
    assert_eq!(rig.email().await["klaviyo"]["status"], "connected");

    let oauth = klaviyo::OAuthClient::new(
        &rig.klaviyo.oauth_config(),
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    oauth.revoke(&rig.refresh_token().into()).await.unwrap();
    rig.let_the_token_lapse().await;
    let refused = rig.push().await;

    assert!(
        matches!(refused, Err(worker::JobError::Permanent(_))),
        "{refused:?}"
    );
    let shown = rig.email().await;
    assert_eq!(shown["klaviyo"]["status"], "needs_reconnect", "{shown}");
    assert!(
        shown["klaviyo"]["last_error"]
            .as_str()
            .unwrap()
            .contains("connect Klaviyo again")
    );
    rig.push().await.expect("skipped, not failed again");
    assert_eq!(rig.klaviyo.refresh_grants(), 2);
}

#[tokio::test]
async fn a_replayed_unknown_or_lapsed_state_is_refused_with_400_and_its_reason() {
    let rig = rig().await;
    let callback = rig.consent().await;
    rig.callback(&callback).await;
    let lapsing = rig.consent().await;
    klaviyo_oauth_state::Entity::update_many()
        .col_expr(
            klaviyo_oauth_state::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(klaviyo_oauth_state::Column::ShopId.eq(rig.shop_id))
        .filter(klaviyo_oauth_state::Column::UsedAt.is_null())
        .exec(&rig.app.db.conn)
        .await
        .unwrap();

    let (replay_status, _, replay) = rig.callback(&callback).await;
    let (unknown_status, _, unknown) = rig
        .callback(&format!("?code=x&state={}.forged", rig.shop_id))
        .await;
    let (lapsed_status, _, lapsed) = rig.callback(&lapsing).await;

    assert_eq!(
        (replay_status, replay["error"].as_str()),
        (400, Some("state_used"))
    );
    assert_eq!(
        (unknown_status, unknown["error"].as_str()),
        (400, Some("state_unknown"))
    );
    assert_eq!(
        (lapsed_status, lapsed["error"].as_str()),
        (400, Some("state_expired"))
    );
}

#[tokio::test]
async fn klaviyo_down_at_the_callback_answers_503_and_reloading_it_connects() {
    let rig = rig().await;
    let callback = rig.consent().await;
    rig.klaviyo.set_down(true);

    let (down, _, body) = rig.callback(&callback).await;
    rig.klaviyo.set_down(false);
    let (reloaded, location, _) = rig.callback(&callback).await;

    assert_eq!(down, 503, "{body}");
    assert_eq!(body["error"], "unavailable");
    assert_eq!(reloaded, 303);
    assert!(location.contains("klaviyo=connected"), "{location}");
}

#[tokio::test]
async fn a_declined_consent_lands_on_the_admin_with_the_reason() {
    let rig = rig().await;
    let callback = rig.consent().await;
    let state = callback.split("state=").nth(1).unwrap();

    let (status, location, _) = rig
        .callback(&format!("?error=access_denied&state={state}"))
        .await;

    assert_eq!(status, 303);
    assert!(
        location.ends_with("?klaviyo=error&reason=access_denied"),
        "{location}"
    );
    assert!(rig.email().await["klaviyo"].is_null());
}

#[tokio::test]
async fn disconnect_revokes_the_grant_and_forgets_the_connection() {
    let rig = rig().await;
    rig.connect().await;

    let answer = rig
        .admin(reqwest::Method::DELETE, "/admin/api/email/klaviyo")
        .await;

    assert_eq!(answer.status(), 200);
    assert!(json(answer).await["klaviyo"].is_null());
    assert!(rig.klaviyo.live_refresh_tokens().is_empty());
}
