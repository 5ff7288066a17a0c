use klaviyo::fake::{ACCOUNT_ID, API_KEY};
use klaviyo::{Credential, Endpoint, Error, Unlimited};
use std::sync::Arc;

use crate::helpers::{client_for, spawn};

#[tokio::test]
async fn key_check_returns_the_account() {
    let t = spawn();

    let account = t.client.account().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(account.id, ACCOUNT_ID);
    assert_eq!(account.name.as_deref(), Some("Meander Demo Shop"));
    assert_eq!(account.timezone.as_deref(), Some("America/New_York"));
    assert_eq!(account.preferred_currency.as_deref(), Some("USD"));
}

#[tokio::test]
async fn every_request_carries_revision_accept_and_the_key() {
    let t = spawn();

    t.client.account().await.unwrap_or_else(|e| panic!("{e}"));

    let request = &t.fake.requests()[0];
    assert_eq!(request.path, "/api/accounts");
    assert_eq!(request.header("revision"), Some("2026-07-15"));
    assert_eq!(request.header("accept"), Some("application/vnd.api+json"));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Klaviyo-API-Key {API_KEY}").as_str())
    );
}

#[tokio::test]
async fn key_check_with_an_unknown_key_is_unauthorized() {
    let t = spawn();
    let client = client_for(
        t.fake.config_with(Credential::ApiKey("pk_nope".into())),
        Arc::new(Unlimited),
    );

    let err = client.account().await.err();

    assert!(matches!(err, Some(Error::Unauthorized { .. })), "{err:?}");
    assert_eq!(t.fake.requests().len(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn key_check_after_the_key_is_revoked_is_unauthorized() {
    let t = spawn();
    t.client.account().await.unwrap_or_else(|e| panic!("{e}"));
    t.fake.revoke_api_key(API_KEY);

    let err = t.client.account().await.err();

    assert!(matches!(err, Some(Error::Unauthorized { .. })), "{err:?}");
}

#[tokio::test]
async fn key_check_without_the_accounts_scope_is_forbidden() {
    let t = spawn();
    t.fake.add_api_key("pk_events_only", &["events:write"]);
    let client = client_for(
        t.fake
            .config_with(Credential::ApiKey("pk_events_only".into())),
        Arc::new(Unlimited),
    );

    let err = client.account().await.err();

    match err {
        Some(Error::Forbidden { endpoint, errors }) => {
            assert_eq!(endpoint, Endpoint::GetAccounts);
            assert_eq!(errors[0].code, "permission_denied");
            assert!(errors[0].detail.contains("accounts:read"));
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[tokio::test]
async fn key_check_while_klaviyo_is_down_says_unavailable() {
    let t = spawn();
    t.fake.set_down(true);

    let err = t.client.account().await.err();

    assert!(
        matches!(
            err,
            Some(Error::Unavailable {
                status: Some(503),
                ..
            })
        ),
        "{err:?}"
    );
    assert!(err.is_some_and(|e| e.is_transient()));
}
