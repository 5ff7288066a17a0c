//! Who an admin API call is for: a shop signed in through App Bridge's session token
//! ([`ShopSession`]), or, on a developer's machine, the demo shop opened with the demo admin
//! key. The key is random per process, printed in the log at start, and exists only in demo
//! mode; it is accepted only from a loopback address, not through a proxy, and only for the
//! demo shop while no Shopify token was ever stored for it. No parameter names a shop, so
//! it cannot reach any other.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use entity::shop;
use subtle::ConstantTimeEq;

use super::admin::ShopSession;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// The header the demo admin's scripts send the key in.
pub const DEMO_KEY_HEADER: &str = "x-meander-demo-key";

/// The shop an admin request acts for.
#[derive(Debug, Clone)]
pub struct AdminShop {
    /// The shop row.
    pub shop: shop::Model,
    /// Who acts, for the audit log: the Shopify user (`sub` of the session token), or
    /// [`DEMO_ACTOR`].
    pub actor: String,
}

/// The audit log's name for whoever holds the demo admin key.
pub const DEMO_ACTOR: &str = "demo";

/// A fresh random demo admin key (two v4 UUIDs: 244 random bits).
#[must_use]
pub fn new_demo_key() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn refused(message: &str) -> ApiError {
    ApiError::new(ErrorKind::Forbidden, message)
}

/// Checks a presented demo key and returns the demo shop it opens.
///
/// # Errors
/// 401 for a wrong key or outside demo mode; 403 from a non-loopback or proxied client,
/// or when the demo shop was installed from Shopify; 503 while the demo shop is loading.
pub async fn demo_shop(
    state: &AppState,
    req: &HttpRequest,
    presented: &str,
) -> Result<shop::Model, ApiError> {
    let Some(expected) = state.demo_admin_key.as_deref() else {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            "the demo admin key is accepted only in demo mode",
        ));
    };
    if !bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            "wrong demo admin key",
        ));
    }
    let loopback = req.peer_addr().is_some_and(|addr| addr.ip().is_loopback());
    let proxied = ["forwarded", "x-forwarded-for"]
        .iter()
        .any(|name| req.headers().contains_key(*name));
    if !loopback || proxied {
        return Err(refused("the demo admin opens only from this machine"));
    }
    let demo = services::demo::ready_demo_shop(&state.db.conn)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::Unavailable, "the demo shop is still loading"))?;
    if demo.access_token_encrypted.is_some() {
        return Err(refused(
            "this shop was installed from Shopify: open it from the Shopify admin",
        ));
    }
    Ok(demo)
}

impl FromRequest for AdminShop {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let key = req
            .headers()
            .get(DEMO_KEY_HEADER)
            .map(|value| value.to_str().unwrap_or_default().to_owned());
        let Some(key) = key else {
            let session = ShopSession::from_request(req, payload);
            return Box::pin(async move {
                let session = session.await?;
                // A session token always names its user; an unnamed one is still audited.
                let actor = session
                    .claims
                    .sub
                    .unwrap_or_else(|| "unknown user".to_owned());
                Ok(Self {
                    shop: session.shop,
                    actor,
                })
            });
        };
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            Ok(Self {
                shop: demo_shop(&state, &req, &key).await?,
                actor: DEMO_ACTOR.to_owned(),
            })
        })
    }
}
