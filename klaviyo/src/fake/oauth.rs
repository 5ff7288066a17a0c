//! The fake's OAuth endpoints: `/oauth/authorize` (consents at once and redirects back with
//! a code), `/oauth/token` (authorization code with PKCE, refresh with rotation) and
//! `/oauth/revoke`, with HTTP Basic client authentication as Klaviyo requires. The down
//! switch takes the token and revocation endpoints down with the API.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use serde_json::json;
use sha2::Digest as _;

use super::store::{Grant, PendingCode};
use super::{CLIENT_ID, CLIENT_SECRET, Inner, REDIRECT_URL, gate};

/// Lifetime of an access token the fake issues, in seconds.
pub const ACCESS_TOKEN_TTL: u64 = 3_600;

fn oauth_error(status: u16, error: &str, description: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status).json(json!({ "error": error, "error_description": description }))
}

/// `GET /oauth/authorize`: checks the request and redirects with `code` and `state`.
pub(crate) async fn authorize(inner: web::Data<Inner>, req: HttpRequest) -> HttpResponse {
    let query: HashMap<String, String> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let get = |key: &str| query.get(key).map(String::as_str).unwrap_or_default();
    if get("response_type") != "code" || get("client_id") != CLIENT_ID {
        return oauth_error(400, "invalid_request", "Unknown client or response type.");
    }
    if get("redirect_uri") != REDIRECT_URL {
        return oauth_error(
            400,
            "invalid_request",
            "redirect_uri is not registered for this app.",
        );
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return oauth_error(400, "invalid_request", "PKCE with S256 is required.");
    }
    let code = uuid::Uuid::new_v4().simple().to_string();
    inner.state().oauth.codes.insert(
        code.clone(),
        PendingCode {
            challenge: get("code_challenge").to_owned(),
            redirect_uri: get("redirect_uri").to_owned(),
            scopes: get("scope").split_whitespace().map(str::to_owned).collect(),
        },
    );
    let location = url::form_urlencoded::Serializer::new(format!("{REDIRECT_URL}?"))
        .append_pair("code", &code)
        .append_pair("state", get("state"))
        .finish();
    HttpResponse::Found()
        .insert_header(("Location", location))
        .finish()
}

/// Basic `client_id:client_secret` (each form-urlencoded, per RFC 6749 §2.3.1).
fn client_authenticated(req: &HttpRequest) -> bool {
    let Some(encoded) = gate::header(req, "authorization").and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some((id, secret)) = decoded.as_deref().and_then(|text| text.split_once(':')) else {
        return false;
    };
    let unescape = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    unescape(id) == CLIENT_ID && unescape(secret) == CLIENT_SECRET
}

/// `POST /oauth/token`.
pub(crate) async fn token(
    inner: web::Data<Inner>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    if !client_authenticated(&req) {
        return oauth_error(401, "invalid_client", "Client authentication failed.");
    }
    if inner.state().down {
        return oauth_error(503, "temporarily_unavailable", "Klaviyo is down.");
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => code_grant(&inner, &form),
        Some("refresh_token") => {
            let delay = inner.state().oauth.refresh_delay;
            tokio::time::sleep(delay).await;
            refresh_grant(&inner, &form)
        }
        _ => oauth_error(
            400,
            "unsupported_grant_type",
            "Use authorization_code or refresh_token.",
        ),
    }
}

fn code_grant(inner: &Inner, form: &HashMap<String, String>) -> HttpResponse {
    let get = |key: &str| form.get(key).map(String::as_str).unwrap_or_default();
    let Some(pending) = inner.state().oauth.codes.remove(get("code")) else {
        return oauth_error(
            400,
            "invalid_grant",
            "The authorization code is invalid or was already used.",
        );
    };
    if pending.redirect_uri != get("redirect_uri") {
        return oauth_error(
            400,
            "invalid_grant",
            "redirect_uri does not match the authorization request.",
        );
    }
    let digest = sha2::Sha256::digest(get("code_verifier").as_bytes());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    if challenge != pending.challenge {
        return oauth_error(400, "invalid_grant", "Invalid code verifier.");
    }
    let mut state = inner.state();
    state.oauth.next_family += 1;
    let grant = Grant {
        scopes: pending.scopes,
        family: state.oauth.next_family,
    };
    drop(state);
    issue(inner, grant)
}

fn refresh_grant(inner: &Inner, form: &HashMap<String, String>) -> HttpResponse {
    let presented = form
        .get("refresh_token")
        .map(String::as_str)
        .unwrap_or_default();
    // Rotation: the presented token is spent whether or not the answer reaches the app.
    let spent = {
        let mut state = inner.state();
        state.oauth.refresh_grants += 1;
        state.oauth.refresh_tokens.remove(presented)
    };
    let Some(grant) = spent else {
        return oauth_error(
            400,
            "invalid_grant",
            "The refresh token is invalid, expired or revoked.",
        );
    };
    issue(inner, grant)
}

fn issue(inner: &Inner, grant: Grant) -> HttpResponse {
    let access = format!("fake-access-{}", uuid::Uuid::new_v4().simple());
    let refresh = format!("fake-refresh-{}", uuid::Uuid::new_v4().simple());
    let scope = grant.scopes.join(" ");
    let mut state = inner.state();
    state
        .oauth
        .access_tokens
        .insert(access.clone(), grant.clone());
    state.oauth.refresh_tokens.insert(refresh.clone(), grant);
    drop(state);
    HttpResponse::Ok().json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_TTL,
        "refresh_token": refresh,
        "scope": scope,
    }))
}

/// `POST /oauth/revoke`: revoking a refresh token ends its whole grant.
pub(crate) async fn revoke(
    inner: web::Data<Inner>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    if !client_authenticated(&req) {
        return oauth_error(401, "invalid_client", "Client authentication failed.");
    }
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    let mut state = inner.state();
    if state.down {
        return oauth_error(503, "temporarily_unavailable", "Klaviyo is down.");
    }
    let books = &mut state.oauth;
    let family = books
        .refresh_tokens
        .get(token)
        .or_else(|| books.access_tokens.get(token))
        .map(|grant| grant.family);
    if let Some(family) = family {
        books.refresh_tokens.retain(|_, g| g.family != family);
        books.access_tokens.retain(|_, g| g.family != family);
    }
    // RFC 7009: an unknown token is not an error.
    HttpResponse::Ok().finish()
}
