//! OAuth authorization-code install: `GET /auth?shop=…` starts it, `GET /auth/callback`
//! finishes it (HMAC, one-time state, timestamp, shop), exchanges the code and stores the
//! token encrypted.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use entity::{ShopDomain, oauth_state, shop};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use services::shop_auth::ShopifyApp;
use services::shop_tokens;
use shopify::signature;

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// The app's Shopify identity, or 503 when the app runs without Shopify credentials.
pub(crate) fn configured(state: &AppState) -> Result<&Arc<ShopifyApp>, ApiError> {
    state.shopify.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorKind::Unavailable,
            "Shopify credentials are not configured (shopify.api_key / shopify.api_secret)",
        )
    })
}

/// A `shop` parameter, validated; 400 otherwise.
pub(crate) fn parse_shop(raw: &str) -> Result<ShopDomain, ApiError> {
    ShopDomain::parse(raw).map_err(|err| ApiError::new(ErrorKind::BadRequest, err.to_string()))
}

/// Query of `GET /auth`.
#[derive(Debug, Deserialize)]
pub struct InstallQuery {
    /// The `*.myshopify.com` shop to install on.
    pub shop: String,
}

/// `GET /auth?shop=…`: stores a one-time state and redirects to the shop's consent screen.
///
/// # Errors
/// 400 for a shop that is not a myshopify.com name; 503 without credentials.
pub async fn install(
    state: web::Data<AppState>,
    query: web::Query<InstallQuery>,
) -> Result<HttpResponse, ApiError> {
    let app = configured(&state)?;
    let shop = parse_shop(&query.shop)?;
    let now = Utc::now();
    let ttl = i64::try_from(app.settings.oauth_state_ttl_secs).unwrap_or(600);
    let nonce = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    oauth_state::ActiveModel {
        nonce: Set(nonce.clone()),
        shop_domain: Set(shop.as_str().to_owned()),
        created_at: Set(now),
        expires_at: Set(now + Duration::seconds(ttl)),
        used_at: Set(None),
    }
    .insert(&state.db.conn)
    .await?;
    let redirect_uri = format!("{}/auth/callback", state.public_url);
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &app.credentials.client_id)
        .append_pair("scope", &app.settings.scopes)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("state", &nonce)
        .append_pair("grant_options[]", "")
        .finish();
    let location = format!("{}?{query}", app.urls.authorize(&shop));
    Ok(HttpResponse::Found()
        .insert_header(("Location", location))
        .finish())
}

fn required<'a>(
    params: &'a std::collections::BTreeMap<String, String>,
    name: &str,
) -> Result<&'a str, ApiError> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::new(ErrorKind::BadRequest, format!("missing `{name}`")))
}

/// `GET /auth/callback`: verifies and completes the install, then opens the embedded app.
///
/// # Errors
/// 401 for a bad HMAC, stale timestamp or unknown/used/expired/foreign state; 400 for
/// missing or malformed parameters or a code Shopify refuses; 503 when Shopify is unreachable.
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let app = configured(&state)?;
    let params =
        signature::verify_oauth_query(app.secret(), req.query_string()).map_err(|err| {
            ApiError::new(
                ErrorKind::Unauthorized,
                format!("OAuth callback rejected: {err}"),
            )
        })?;
    let shop = parse_shop(required(&params, "shop")?)?;
    let timestamp: i64 = required(&params, "timestamp")?.parse().map_err(|err| {
        ApiError::new(ErrorKind::BadRequest, "`timestamp` is not a number").with_cause(err)
    })?;
    let now = Utc::now();
    let tolerance = i64::try_from(app.settings.oauth_timestamp_tolerance_secs).unwrap_or(300);
    if (now.timestamp() - timestamp).abs() > tolerance {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            "OAuth callback rejected: timestamp is too old or in the future",
        ));
    }
    let nonce = required(&params, "state")?;
    let code = required(&params, "code")?;
    // Consume the state atomically: only one callback can ever use it.
    let consumed = oauth_state::Entity::update_many()
        .col_expr(oauth_state::Column::UsedAt, Expr::value(Some(now)))
        .filter(oauth_state::Column::Nonce.eq(nonce))
        .filter(oauth_state::Column::ShopDomain.eq(shop.as_str()))
        .filter(oauth_state::Column::UsedAt.is_null())
        .filter(oauth_state::Column::ExpiresAt.gt(now))
        .exec(&state.db.conn)
        .await?;
    if consumed.rows_affected != 1 {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            "OAuth callback rejected: state is unknown, used, expired or for another shop",
        ));
    }
    let token = match app.tokens.exchange_code(&shop, code).await {
        Ok(token) => token,
        Err(err) => {
            // Shopify did not answer: the merchant may retry the same callback, so the state
            // goes back. A refused code keeps it used.
            if err.is_transient() {
                release_state(&state.db.conn, nonce).await;
            }
            return Err(token_error(err));
        }
    };
    save_token(&state, app, &shop, &token, now).await?;
    tracing::info!(shop = %shop, "app installed");
    let location = format!("https://{shop}/admin/apps/{}", app.credentials.client_id);
    Ok(HttpResponse::Found()
        .insert_header(("Location", location))
        .finish())
}

/// Makes a state this callback consumed usable again (only this callback can have consumed
/// it: the consuming update is atomic).
async fn release_state(conn: &DatabaseConnection, nonce: &str) {
    let released = oauth_state::Entity::update_many()
        .col_expr(
            oauth_state::Column::UsedAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(oauth_state::Column::Nonce.eq(nonce))
        .exec(conn)
        .await;
    if let Err(err) = released {
        tracing::warn!(%err, "cannot release the OAuth state; the merchant must start again");
    }
}

/// Stores a token Shopify issued (install or token exchange) and queues what it calls for
/// (the refresh before it expires; on install the first sync and the web pixel).
///
/// # Errors
/// 500 when the token cannot be stored.
pub(crate) async fn save_token(
    state: &AppState,
    app: &ShopifyApp,
    shop: &ShopDomain,
    token: &shopify::AccessToken,
    now: DateTime<Utc>,
) -> Result<shop::Model, ApiError> {
    let stored = shop_tokens::store_token(&state.db.conn, app, shop, token, now)
        .await
        .map_err(ApiError::internal)?;
    worker::enqueue::after_token_stored(&state.jobs, app, &stored).await;
    Ok(stored.shop)
}

/// Maps a token endpoint failure: Shopify's refusal is the client's problem (4xx, with
/// Shopify's own error code), trouble reaching Shopify is ours (503).
pub(crate) fn token_error(err: shopify::TokenError) -> ApiError {
    match &err {
        shopify::TokenError::Rejected { error, .. } if !err.is_transient() => {
            let kind = if error == "invalid_subject_token" {
                ErrorKind::Unauthorized
            } else {
                ErrorKind::BadRequest
            };
            ApiError::new(kind, format!("Shopify refused the token request: {error}"))
        }
        _ => ApiError::new(ErrorKind::Unavailable, "Shopify is unreachable; try again")
            .with_cause(err),
    }
}
