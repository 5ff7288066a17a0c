//! The embedded admin's authentication: App Bridge sends a session token (JWT) as
//! `Authorization: Bearer …` (or `id_token` on the first page load). [`ShopSession`] verifies
//! it and makes sure the shop holds a usable **expiring offline token**, obtaining one by
//! token exchange when it has none or it lapsed.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Utc;
use entity::shop;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use services::shop_tokens;
use shopify::session_token::{self, SessionClaims};

use super::auth::{configured, save_token, token_error};
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// An authenticated admin request: the shop (installed, with a usable token) and the claims.
#[derive(Debug, Clone)]
pub struct ShopSession {
    /// The shop row.
    pub shop: shop::Model,
    /// The verified session token's claims.
    pub claims: SessionClaims,
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let mut values = req.headers().get_all("Authorization");
    if let Some(first) = values.next() {
        if values.next().is_some() {
            return Err(ApiError::new(
                ErrorKind::Unauthorized,
                "Authorization header appears more than once",
            ));
        }
        let text = first.to_str().unwrap_or_default();
        return text
            .strip_prefix("Bearer ")
            .map(|token| token.trim().to_owned())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ApiError::new(ErrorKind::Unauthorized, "expected `Bearer <session token>`")
            });
    }
    shopify::signature::parse_query(req.query_string())
        .into_iter()
        .find(|(k, _)| k == "id_token")
        .map(|(_, v)| v)
        .ok_or_else(|| ApiError::new(ErrorKind::Unauthorized, "missing session token"))
}

async fn authenticate(state: web::Data<AppState>, token: String) -> Result<ShopSession, ApiError> {
    let app = configured(&state)?;
    let now = Utc::now();
    let leeway = i64::try_from(app.settings.session_token_leeway_secs).unwrap_or(5);
    let verified = session_token::verify(
        &token,
        app.secret(),
        &app.credentials.client_id,
        now.timestamp(),
        leeway,
    )
    .map_err(|err| ApiError::new(ErrorKind::Unauthorized, err.to_string()))?;
    let db = &state.db.conn;
    let existing = shop::Entity::find()
        .filter(shop::Column::Domain.eq(verified.shop.as_str()))
        .one(db)
        .await?;
    let lead = shop_tokens::refresh_lead_secs(app);
    let shop = match existing {
        Some(shop) if shop_tokens::has_usable_token(&shop, now, lead) => shop,
        _ => {
            let issued = app
                .tokens
                .exchange_session_token(&verified.shop, &token)
                .await
                .map_err(token_error)?;
            save_token(&state, app, &verified.shop, &issued, now).await?
        }
    };
    Ok(ShopSession {
        shop,
        claims: verified.claims,
    })
}

impl FromRequest for ShopSession {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            authenticate(state, token?).await
        })
    }
}

/// `GET /admin/api/session`: who the embedded admin is signed in as.
///
/// # Errors
/// The extractor's 401/503.
pub async fn session(session: ShopSession) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({
        "shop": session.shop.domain,
        "scopes": session.shop.scopes,
        "access_token_expires_at": session.shop.access_token_expires_at,
        "user": session.claims.sub,
    })))
}
