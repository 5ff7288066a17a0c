//! The embedded admin's email API (session token or demo key: [`AdminShop`]): the Klaviyo
//! connection and the web feeds.
//!
//! - `GET /admin/api/email`: the Klaviyo connection (status, last push, counts, last
//!   error) and, once turned on, the feed URLs with when each was last built;
//! - `POST /admin/api/email/klaviyo` `{"api_key": "pk_…"}`: connects a private API key
//!   (checked by a test call per scope, stored encrypted);
//! - `POST /admin/api/email/feeds`: turns feeds on (makes the shop's secret feed token and
//!   queues the first build) and answers like `GET`;
//! - `POST /admin/api/email/feeds/rotate`: replaces the feed token (old URLs stop working);
//! - `PUT /admin/api/email/settings` `{"version": n, "settings": {…}}`: changes the holdout
//!   share, holdout mode, list length or holdout salt (fields left out keep their value);
//!   422 naming every invalid or unknown field, 409 when another save of version `n` came
//!   first, 404 before Klaviyo is connected (the settings live on the connection).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};
use services::email::feeds::{self, FeedKind};
use services::email::{self, EditError, EmailError, KlaviyoApi};
use worker::jobs::BuildEmailFeeds;

use super::admin_settings;
use super::admin_shop::AdminShop;
use super::auth::configured;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// `GET /admin/api/email`.
///
/// # Errors
/// 401 without a valid session token, 500 when the database fails.
pub async fn overview(
    state: web::Data<AppState>,
    session: AdminShop,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(describe(&state, session.shop.id).await?))
}

/// The body of `POST /admin/api/email/klaviyo`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectBody {
    /// A Klaviyo private API key.
    api_key: SecretString,
}

/// `POST /admin/api/email/klaviyo`.
///
/// # Errors
/// 400 when Klaviyo refuses the key or it lacks a scope (the message names it), 503 when
/// Klaviyo or the token cipher is unavailable.
pub async fn connect_klaviyo(
    state: web::Data<AppState>,
    session: AdminShop,
    body: web::Json<ConnectBody>,
) -> Result<HttpResponse, ApiError> {
    let cipher = &configured(&state)?.cipher;
    let api = KlaviyoApi::from_settings(&state.settings.klaviyo);
    let shop_id = session.shop.id;
    email::connect_api_key(&state.db.conn, &api, cipher, shop_id, &body.api_key)
        .await
        .map_err(connect_error)?;
    tracing::info!(shop = shop_id, "Klaviyo connected");
    Ok(HttpResponse::Ok().json(describe(&state, shop_id).await?))
}

/// The body of `PUT /admin/api/email/settings`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// The settings version the edit started from (`klaviyo.settings_version`).
    version: i64,
    /// The fields to change (checked one by one).
    settings: Value,
}

/// `PUT /admin/api/email/settings`.
///
/// # Errors
/// 422 with every invalid field, 409 for a stale version, 404 without a Klaviyo connection,
/// 401/403 without a valid session or demo key.
pub async fn save_settings(
    state: web::Data<AppState>,
    admin: AdminShop,
    body: web::Json<SettingsBody>,
) -> Result<HttpResponse, ApiError> {
    let shop_id = admin.shop.id;
    let saved = email::save_settings(
        &state.db.conn,
        shop_id,
        body.version,
        &body.settings,
        &admin.actor,
    )
    .await;
    let (version, settings) = saved.map_err(|err| match err {
        EditError::Invalid(fields) => admin_settings::invalid(&fields),
        EditError::NotConnected => ApiError::new(ErrorKind::NotFound, err.to_string()),
        EditError::Stale { current, edited } => ApiError::new(
            ErrorKind::Conflict,
            format!(
                "the email settings were changed meanwhile (you edited version {edited}, the \
                 current version is {current}); reload them and apply your change again"
            ),
        ),
        EditError::Db(err) => err.into(),
    })?;
    tracing::info!(shop = shop_id, version, "email settings saved");
    Ok(HttpResponse::Ok().json(json!({ "version": version, "settings": settings })))
}

/// `POST /admin/api/email/feeds`.
///
/// # Errors
/// 401 without a valid session token, 500 when the database or the queue fails.
pub async fn enable_feeds(
    state: web::Data<AppState>,
    session: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let shop_id = session.shop.id;
    feeds::feed_token(&state.db.conn, shop_id).await?;
    queue_build(&state, shop_id).await?;
    Ok(HttpResponse::Ok().json(describe(&state, shop_id).await?))
}

/// `POST /admin/api/email/feeds/rotate`.
///
/// # Errors
/// 401 without a valid session token, 500 when the database fails.
pub async fn rotate_feeds(
    state: web::Data<AppState>,
    session: AdminShop,
) -> Result<HttpResponse, ApiError> {
    let shop_id = session.shop.id;
    feeds::rotate_feed_token(&state.db.conn, shop_id).await?;
    tracing::info!(shop = shop_id, "feed token rotated");
    Ok(HttpResponse::Ok().json(describe(&state, shop_id).await?))
}

/// Queues a feed build now (deduplicated per minute, so repeated clicks queue one).
async fn queue_build(state: &AppState, shop_id: i64) -> Result<(), ApiError> {
    let job = BuildEmailFeeds {
        shop_id,
        trigger: format!("enabled:{}", Utc::now().format("%Y%m%dT%H%M")),
    };
    state.jobs.push(job).await.map_err(ApiError::internal)
}

/// The connection and feeds as the admin shows them.
pub(super) async fn describe(state: &AppState, shop_id: i64) -> Result<Value, ApiError> {
    let conn = &state.db.conn;
    let klaviyo = email::status(conn, shop_id).await?;
    let feeds = if let Some(token) = feeds::existing_feed_token(conn, shop_id).await? {
        let mut list = Vec::with_capacity(FeedKind::ALL.len());
        for kind in FeedKind::ALL {
            let built = feeds::built(conn, shop_id, kind).await?;
            list.push(json!({
                "feed": kind,
                "url": format!("{}/feeds/{}.json?key={token}", state.public_url, kind.slug()),
                "built_at": built.as_ref().map(|f| f.built_at),
                "cohorts": built.as_ref().map(|f| f.cohorts),
                "items": built.as_ref().map(|f| f.items),
            }));
        }
        json!({
            "enabled": true,
            "feeds": list,
            "profile_url": format!(
                "{}/feeds/profiles/{{{{ person.external_id }}}}.json?key={token}",
                state.public_url
            ),
        })
    } else {
        json!({ "enabled": false })
    };
    Ok(json!({
        "klaviyo": klaviyo,
        "oauth_available": state.settings.klaviyo.oauth.is_some(),
        "feeds": feeds,
    }))
}

/// The merchant-facing answer for a failed connect or disconnect.
pub(super) fn connect_error(err: EmailError) -> ApiError {
    let kind = match &err {
        EmailError::OAuth(_) if err.is_transient() => ErrorKind::Unavailable,
        EmailError::InvalidCredential(_)
        | EmailError::MissingScope { .. }
        | EmailError::OAuth(_) => ErrorKind::BadRequest,
        EmailError::StateUnknown => ErrorKind::StateUnknown,
        EmailError::StateUsed => ErrorKind::StateUsed,
        EmailError::StateExpired => ErrorKind::StateExpired,
        EmailError::Unavailable(_) | EmailError::OAuthNotConfigured | EmailError::RefreshBusy => {
            ErrorKind::Unavailable
        }
        EmailError::NoShop(_) => ErrorKind::NotFound,
        _ => return ApiError::internal(err),
    };
    ApiError::new(kind, err.to_string()).with_cause(err)
}
