//! Klaviyo OAuth: connect with PKCE and a one-time state, the push with the bearer token,
//! refresh with rotation (ahead of expiry, after a 401, once across concurrent callers), a
//! refused refresh, and disconnect.

use chrono::{Duration, Utc};
use entity::{klaviyo_account, klaviyo_oauth_state};
use klaviyo::OAuthClient;
use klaviyo::fake::{ACCOUNT_ID, REDIRECT_URL};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use services::email::{self, EmailError};

use crate::helpers::{Rig, known_to_klaviyo, lists_for, options, publish, rig};

/// Plays the merchant at Klaviyo's consent page: the callback's `(state, code)`.
pub async fn consent(authorize_url: &str) -> (String, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http.get(authorize_url).send().await.unwrap();
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URL), "{location}");
    let query: std::collections::HashMap<String, String> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    (query["state"].clone(), query["code"].clone())
}

async fn start(rig: &Rig) -> (String, String) {
    let url = email::start_connect(&rig.db.conn, &rig.api, &rig.cipher, &rig.shop)
        .await
        .unwrap();
    consent(&url).await
}

async fn finish(rig: &Rig, (state, code): &(String, String)) -> Result<(), EmailError> {
    email::finish_connect(&rig.db.conn, &rig.api, &rig.cipher, state, code)
        .await
        .map(|_| ())
}

async fn connect_oauth(rig: &Rig) {
    let callback = start(rig).await;
    finish(rig, &callback).await.unwrap();
}

async fn account(rig: &Rig) -> klaviyo_account::Model {
    klaviyo_account::Entity::find_by_id(rig.shop.id)
        .one(&rig.db.conn)
        .await
        .unwrap()
        .unwrap()
}

/// Moves the stored access token's expiry into the past, as time passing would.
async fn let_the_token_lapse(rig: &Rig) {
    klaviyo_account::Entity::update_many()
        .col_expr(
            klaviyo_account::Column::AccessTokenExpiresAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(klaviyo_account::Column::ShopId.eq(rig.shop.id))
        .exec(&rig.db.conn)
        .await
        .unwrap();
}

fn live_refresh_token(rig: &Rig) -> String {
    let live = rig.fake.live_refresh_tokens();
    assert_eq!(live.len(), 1, "{live:?}");
    live.into_keys().next().unwrap()
}

async fn push(rig: &Rig, version: &str) -> Result<Option<email::PushSummary>, EmailError> {
    email::push_for_shop(
        &rig.db.conn,
        &rig.api,
        &rig.cipher,
        &rig.shop,
        version,
        &options(),
    )
    .await
}

#[tokio::test]
async fn an_oauth_connect_stores_the_tokens_encrypted_and_pushes_with_the_bearer_token() {
    let rig = rig().await;
    known_to_klaviyo(&rig, [1, 2]);
    publish(&rig, "l1", &lists_for([1, 2])).await;

    connect_oauth(&rig).await;
    let summary = push(&rig, "l1").await.unwrap().unwrap();

    let stored = account(&rig).await;
    assert_eq!(stored.credential_kind, "oauth");
    assert_eq!(stored.status, "connected");
    assert_eq!(stored.account_id.as_deref(), Some(ACCOUNT_ID));
    assert!(stored.scopes.unwrap().contains("events:write"));
    let lapses = stored.access_token_expires_at.unwrap() - Utc::now();
    assert!(lapses > Duration::minutes(55) && lapses <= Duration::minutes(60));
    let refresh = live_refresh_token(&rig);
    assert!(!stored.refresh_token_encrypted.unwrap().contains(&refresh));
    assert_eq!(summary.imported, 2);
    let api_calls: Vec<_> = rig
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    assert!(!api_calls.is_empty());
    assert!(
        api_calls.iter().all(|r| r
            .header("authorization")
            .is_some_and(|a| a.starts_with("Bearer "))),
        "every call carries the OAuth token"
    );
}

#[tokio::test]
async fn a_lapsing_token_is_refreshed_before_the_push_and_the_refresh_token_rotates() {
    let rig = rig().await;
    connect_oauth(&rig).await;
    let first = live_refresh_token(&rig);
    let before = account(&rig).await;
    let_the_token_lapse(&rig).await;

    push(&rig, "nothing-published").await.unwrap();

    let after = account(&rig).await;
    assert_eq!(rig.fake.refresh_grants(), 1);
    assert_ne!(live_refresh_token(&rig), first, "rotated");
    assert_ne!(after.credential_encrypted, before.credential_encrypted);
    assert!(after.access_token_expires_at.unwrap() > Utc::now() + Duration::minutes(55));
    assert!(after.refresh_holder.is_none(), "the lease is released");
}

#[tokio::test]
async fn concurrent_refreshes_spend_the_refresh_token_once() {
    let rig = rig().await;
    connect_oauth(&rig).await;
    let_the_token_lapse(&rig).await;
    // Slow enough that both callers are in flight while the first refresh runs.
    rig.fake
        .delay_refreshes(std::time::Duration::from_millis(300));

    let refresh = || email::refresh(&rig.db.conn, &rig.api, &rig.cipher, &rig.shop, None);
    let (a, b) = tokio::join!(refresh(), refresh());

    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(rig.fake.refresh_grants(), 1);
    assert_eq!(a.credential_encrypted, b.credential_encrypted);
    assert_eq!(account(&rig).await.status, "connected");
    live_refresh_token(&rig);
}

#[tokio::test]
async fn a_token_klaviyo_refuses_is_refreshed_once_and_the_push_goes_through() {
    let rig = rig().await;
    known_to_klaviyo(&rig, [1]);
    publish(&rig, "l1", &lists_for([1])).await;
    connect_oauth(&rig).await;
    rig.fake.expire_access_tokens();

    let summary = push(&rig, "l1").await.unwrap().unwrap();

    assert_eq!(summary.imported, 1);
    assert_eq!(rig.fake.refresh_grants(), 1);
    assert_eq!(rig.fake.events().len(), 1, "announced once");
}

#[tokio::test]
async fn a_refused_refresh_needs_a_reconnect_and_stops_the_pushes() {
    let rig = rig().await;
    known_to_klaviyo(&rig, [1]);
    publish(&rig, "l1", &lists_for([1])).await;
    connect_oauth(&rig).await;
    let oauth =
        OAuthClient::new(&rig.fake.oauth_config(), std::time::Duration::from_secs(5)).unwrap();
    oauth
        .revoke(&live_refresh_token(&rig).into())
        .await
        .unwrap();
    let_the_token_lapse(&rig).await;

    let refused = push(&rig, "l1").await.unwrap_err();
    let again = push(&rig, "l1").await.unwrap();

    assert!(
        matches!(refused, EmailError::NeedsReconnect(_)),
        "{refused:?}"
    );
    assert!(again.is_none(), "no push until the merchant reconnects");
    assert_eq!(
        rig.fake.refresh_grants(),
        1,
        "the dead token is not presented again"
    );
    let status = email::status(&rig.db.conn, rig.shop.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.status, "needs_reconnect");
    assert!(status.last_error.unwrap().contains("connect Klaviyo again"));
    assert!(
        rig.fake.profiles()[0]
            .properties
            .get("meander_recs")
            .is_none()
    );

    connect_oauth(&rig).await;
    assert_eq!(account(&rig).await.status, "connected");
}

#[tokio::test]
async fn a_state_is_used_once_and_unknown_or_lapsed_states_are_refused() {
    let rig = rig().await;
    let callback = start(&rig).await;
    finish(&rig, &callback).await.unwrap();
    let lapsing = start(&rig).await;
    klaviyo_oauth_state::Entity::update_many()
        .col_expr(
            klaviyo_oauth_state::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(klaviyo_oauth_state::Column::ShopId.eq(rig.shop.id))
        .filter(klaviyo_oauth_state::Column::UsedAt.is_null())
        .exec(&rig.db.conn)
        .await
        .unwrap();
    let code = callback.1.clone();

    let replayed = finish(&rig, &callback).await.unwrap_err();
    let forged = finish(&rig, &(format!("{}.forged", rig.shop.id), code.clone())).await;
    let untagged = finish(&rig, &("forged".into(), code.clone())).await;
    let lapsed = finish(&rig, &lapsing).await.unwrap_err();

    assert!(matches!(replayed, EmailError::StateUsed), "{replayed:?}");
    assert!(
        matches!(forged, Err(EmailError::StateUnknown)),
        "{forged:?}"
    );
    assert!(
        matches!(untagged, Err(EmailError::StateUnknown)),
        "{untagged:?}"
    );
    assert!(matches!(lapsed, EmailError::StateExpired), "{lapsed:?}");
}

#[tokio::test]
async fn klaviyo_down_during_the_exchange_leaves_the_state_usable() {
    let rig = rig().await;
    let callback = start(&rig).await;
    rig.fake.set_down(true);

    let down = finish(&rig, &callback).await.unwrap_err();
    rig.fake.set_down(false);
    let retried = finish(&rig, &callback).await;

    assert!(down.is_transient(), "{down:?}");
    retried.unwrap();
    assert_eq!(account(&rig).await.status, "connected");
}

#[tokio::test]
async fn disconnecting_revokes_the_grant_and_forgets_the_tokens() {
    let rig = rig().await;
    connect_oauth(&rig).await;

    rig.fake.set_down(true);
    let down = email::disconnect(&rig.db.conn, &rig.api, &rig.cipher, &rig.shop).await;
    rig.fake.set_down(false);
    let disconnected = email::disconnect(&rig.db.conn, &rig.api, &rig.cipher, &rig.shop)
        .await
        .unwrap();
    let again = email::disconnect(&rig.db.conn, &rig.api, &rig.cipher, &rig.shop)
        .await
        .unwrap();

    assert!(
        down.unwrap_err().is_transient(),
        "kept until Klaviyo can revoke"
    );
    assert!(disconnected);
    assert!(!again, "nothing left to disconnect");
    assert!(
        rig.fake.live_refresh_tokens().is_empty(),
        "revoked at Klaviyo"
    );
    let stored = klaviyo_account::Entity::find_by_id(rig.shop.id)
        .one(&rig.db.conn)
        .await
        .unwrap();
    assert!(stored.is_none());
}
