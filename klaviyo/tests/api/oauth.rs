use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use klaviyo::fake::{CLIENT_ID, FakeKlaviyo, REDIRECT_URL};
use klaviyo::oauth::state_matches;
use klaviyo::{Credential, Error, OAuthClient, OAuthError, Tokens, Unlimited};
use secrecy::{ExposeSecret, SecretString};
use sha2::Digest as _;

use crate::helpers::client_for;

fn oauth(fake: &FakeKlaviyo) -> OAuthClient {
    OAuthClient::new(&fake.oauth_config(), Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"))
}

fn query(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url).unwrap_or_else(|e| panic!("{e}"));
    parsed.query_pairs().into_owned().collect()
}

/// Plays the merchant: opens the authorization URL and follows it back to the callback.
async fn authorize(fake: &FakeKlaviyo, client: &OAuthClient) -> Tokens {
    let request = client.authorization_request("shop-1");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let response = http
        .get(request.url.as_str())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.status().as_u16(),
        302,
        "{:?}",
        response.text().await
    );
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(location.starts_with(REDIRECT_URL), "{location}");
    let callback = query(&location);
    assert!(state_matches(&request.state, &callback["state"]));
    let _ = fake;
    client
        .exchange_code(&callback["code"], &request.pkce_verifier)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn the_authorization_url_asks_for_a_code_with_pkce_s256_and_state() {
    let fake = FakeKlaviyo::start();
    let client = oauth(&fake);

    let request = client.authorization_request("shop-1");

    let url = request.url.as_str();
    assert!(
        url.starts_with(&format!("{}/oauth/authorize?", fake.address)),
        "{url}"
    );
    let q = query(url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], REDIRECT_URL);
    assert_eq!(q["state"], request.state);
    assert!(request.state.len() >= 16);
    assert!(request.state.starts_with("shop-1."), "{}", request.state);
    assert_eq!(q["code_challenge_method"], "S256");
    let digest = sha2::Sha256::digest(request.pkce_verifier.expose_secret().as_bytes());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    assert_eq!(q["code_challenge"], challenge);
    let scopes: Vec<_> = q["scope"].split(' ').collect();
    assert!(
        scopes.contains(&"profiles:write") && scopes.contains(&"events:write"),
        "{scopes:?}"
    );
}

#[test]
fn the_default_urls_are_klaviyos() {
    assert_eq!(
        klaviyo::oauth::AUTHORIZE_URL,
        "https://www.klaviyo.com/oauth/authorize"
    );
    assert_eq!(
        klaviyo::oauth::TOKEN_URL,
        "https://a.klaviyo.com/oauth/token"
    );
    assert_eq!(
        klaviyo::oauth::REVOKE_URL,
        "https://a.klaviyo.com/oauth/revoke"
    );
}

#[tokio::test]
async fn the_code_exchange_gives_a_bearer_token_that_opens_the_api() {
    let fake = FakeKlaviyo::start();
    let tokens = authorize(&fake, &oauth(&fake)).await;

    let api = client_for(
        fake.config_with(Credential::OauthAccessToken(tokens.access_token.clone())),
        Arc::new(Unlimited),
    );
    let account = api.account().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(account.id, klaviyo::fake::ACCOUNT_ID);
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(3_600)));
    assert!(tokens.refresh_token.is_some());
    let sent = fake
        .requests()
        .last()
        .and_then(|r| r.header("authorization").map(str::to_owned));
    assert_eq!(
        sent,
        Some(format!("Bearer {}", tokens.access_token.expose_secret()))
    );
}

#[tokio::test]
async fn a_wrong_code_verifier_is_refused() {
    let fake = FakeKlaviyo::start();
    let client = oauth(&fake);
    let request = client.authorization_request("shop-1");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let http = http.unwrap_or_else(|e| panic!("{e}"));
    let response = http
        .get(request.url.as_str())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let location = response.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_owned();

    let err = client
        .exchange_code(
            &query(&location)["code"],
            &SecretString::from("not-the-verifier"),
        )
        .await
        .err();

    assert!(
        matches!(&err, Some(OAuthError::Rejected { error, .. }) if error == "invalid_grant"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_refresh_rotates_the_refresh_token_and_spends_the_old_one() {
    let fake = FakeKlaviyo::start();
    let client = oauth(&fake);
    let first = authorize(&fake, &client).await;
    let old = first
        .refresh_token
        .unwrap_or_else(|| panic!("no refresh token"));

    let second = client.refresh(&old).await.unwrap_or_else(|e| panic!("{e}"));
    let new = second
        .refresh_token
        .unwrap_or_else(|| panic!("no rotated refresh token"));
    let reused = client.refresh(&old).await.err();

    assert_ne!(new.expose_secret(), old.expose_secret());
    assert!(
        matches!(&reused, Some(OAuthError::Rejected { error, .. }) if error == "invalid_grant"),
        "{reused:?}"
    );
    assert!(
        client.refresh(&new).await.is_ok(),
        "the rotated token works"
    );
}

#[tokio::test]
async fn revoking_the_refresh_token_ends_the_grant() {
    let fake = FakeKlaviyo::start();
    let client = oauth(&fake);
    let tokens = authorize(&fake, &client).await;
    let refresh = tokens
        .refresh_token
        .clone()
        .unwrap_or_else(|| panic!("no refresh token"));

    client
        .revoke(&refresh)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert!(fake.live_refresh_tokens().is_empty());
    assert!(matches!(
        client.refresh(&refresh).await,
        Err(OAuthError::Rejected { .. })
    ));
    let api = client_for(
        fake.config_with(Credential::OauthAccessToken(tokens.access_token)),
        Arc::new(Unlimited),
    );
    assert!(matches!(
        api.account().await,
        Err(Error::Unauthorized { .. })
    ));
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client() {
    let fake = FakeKlaviyo::start();
    let mut config = fake.oauth_config();
    config.client_secret = "wrong".into();
    let client =
        OAuthClient::new(&config, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));

    let err = client.refresh(&SecretString::from("whatever")).await.err();

    assert!(
        matches!(&err, Some(OAuthError::Rejected { error, .. }) if error == "invalid_client"),
        "{err:?}"
    );
}

#[test]
fn oauth_debug_output_hides_the_secrets() {
    let config = klaviyo::OAuthConfig {
        client_id: "id".into(),
        client_secret: "very-secret".into(),
        redirect_url: REDIRECT_URL.into(),
        scopes: vec![],
        authorize_url: klaviyo::oauth::AUTHORIZE_URL.into(),
        token_url: klaviyo::oauth::TOKEN_URL.into(),
        revoke_url: klaviyo::oauth::REVOKE_URL.into(),
    };
    assert!(!format!("{config:?}").contains("very-secret"));
}

#[tokio::test]
async fn client_debug_output_hides_keys_and_secrets() {
    let fake = FakeKlaviyo::start();
    let oauth_client = oauth(&fake);
    let api = client_for(
        fake.config_with(Credential::OauthAccessToken("token-value-123".into())),
        Arc::new(Unlimited),
    );

    let printed = format!("{oauth_client:?} {api:?}");

    assert!(!printed.contains(klaviyo::fake::CLIENT_SECRET), "{printed}");
    assert!(!printed.contains("token-value-123"), "{printed}");
}
