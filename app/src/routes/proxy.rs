//! The app proxy: storefront `/apps/meander/*` is forwarded by Shopify to `/proxy/*` with a
//! signed query. [`ProxyRequest`] verifies it — signature, a timestamp within
//! `shopify.app_proxy_max_skew_secs`, and no replay (seen signatures are kept in the database
//! for the window, so this holds across processes) — and hands the shop and the logged-in
//! customer to the handler.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use common::database::insert_if_absent;
use entity::{ShopDomain, app_proxy_replay, shop};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use shopify::signature;

use super::auth::{configured, parse_shop};

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// A verified app-proxy request.
#[derive(Debug, Clone)]
pub struct ProxyRequest {
    /// The shop whose storefront the request came through.
    pub shop: ShopDomain,
    /// The logged-in customer, if any.
    pub logged_in_customer_id: Option<i64>,
    /// `/{prefix}/{subpath}` as the merchant configured it, e.g. `/apps/meander`.
    pub path_prefix: String,
    /// Every query parameter (repeated keys keep all values), signature removed.
    pub params: BTreeMap<String, Vec<String>>,
}

impl ProxyRequest {
    /// The id of the shop the request came through (from the shop directory).
    ///
    /// # Errors
    /// 403 when Meander is not installed there; the database error of the lookup.
    pub async fn installed_shop(&self, state: &AppState) -> Result<i64, ApiError> {
        state
            .shops
            .installed(&state.db.conn, self.shop.as_str())
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorKind::Forbidden,
                    "Meander is not installed on this shop",
                )
            })
    }

    /// Every parameter's first value (the storefront endpoints take each parameter once).
    #[must_use]
    pub fn first_params(&self) -> BTreeMap<String, String> {
        self.params
            .iter()
            .filter_map(|(key, values)| Some((key.clone(), values.first()?.clone())))
            .collect()
    }
}

fn one<'a>(params: &'a BTreeMap<String, Vec<String>>, name: &str) -> Result<&'a str, ApiError> {
    match params.get(name).map(Vec::as_slice) {
        Some([value]) => Ok(value),
        Some(_) => Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("`{name}` appears more than once"),
        )),
        None => Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("missing `{name}`"),
        )),
    }
}

async fn verify(state: web::Data<AppState>, query: String) -> Result<ProxyRequest, ApiError> {
    let app = configured(&state)?;
    let mut params = signature::verify_app_proxy(app.secret(), &query).map_err(|err| {
        ApiError::new(
            ErrorKind::Unauthorized,
            format!("app proxy request rejected: {err}"),
        )
    })?;
    let timestamp: i64 = one(&params, "timestamp")?.parse().map_err(|err| {
        ApiError::new(ErrorKind::BadRequest, "`timestamp` is not a number").with_cause(err)
    })?;
    let now = Utc::now();
    let skew = i64::try_from(app.settings.app_proxy_max_skew_secs).unwrap_or(90);
    if (now.timestamp() - timestamp).abs() > skew {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            "app proxy request rejected: timestamp is too old or in the future",
        ));
    }
    let shop = parse_shop(one(&params, "shop")?)?;
    let customer = match params.get("logged_in_customer_id").map(Vec::as_slice) {
        None | Some([]) => None,
        Some([id]) if id.is_empty() => None,
        Some([id]) => Some(id.parse::<i64>().map_err(|err| {
            ApiError::new(
                ErrorKind::BadRequest,
                "`logged_in_customer_id` is not a number",
            )
            .with_cause(err)
        })?),
        Some(_) => {
            return Err(ApiError::new(
                ErrorKind::BadRequest,
                "`logged_in_customer_id` appears more than once",
            ));
        }
    };
    let path_prefix = one(&params, "path_prefix")?.to_owned();
    let signature = query_signature(&query);
    remember(&state, &signature, &shop, now + Duration::seconds(skew * 2)).await?;
    params.remove("signature");
    Ok(ProxyRequest {
        shop,
        logged_in_customer_id: customer,
        path_prefix,
        params,
    })
}

fn query_signature(query: &str) -> String {
    signature::parse_query(query)
        .into_iter()
        .find(|(k, _)| k == "signature")
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Records a signature as used; a second use within the window is a replay (403).
async fn remember(
    state: &AppState,
    signature: &str,
    shop: &ShopDomain,
    expires_at: chrono::DateTime<Utc>,
) -> Result<(), ApiError> {
    let db = &state.db.conn;
    app_proxy_replay::Entity::delete_many()
        .filter(app_proxy_replay::Column::ExpiresAt.lt(Utc::now()))
        .exec(db)
        .await?;
    let row = app_proxy_replay::ActiveModel {
        signature: Set(signature.to_owned()),
        shop_domain: Set(shop.as_str().to_owned()),
        expires_at: Set(expires_at),
    };
    let first_use = OnConflict::column(app_proxy_replay::Column::Signature)
        .do_nothing()
        .to_owned();
    let inserted = insert_if_absent(db, row, first_use).await?;
    if inserted {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorKind::Forbidden,
            "app proxy request rejected: this signed request was already used",
        ))
    }
}

impl FromRequest for ProxyRequest {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let query = req.query_string().to_owned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            verify(state, query).await
        })
    }
}

/// `GET /proxy/status` (storefront `/apps/meander/status`): whether Meander is active on
/// this shop, for the theme blocks.
///
/// # Errors
/// The extractor's 4xx; a database failure.
pub async fn status(
    state: web::Data<AppState>,
    proxy: ProxyRequest,
) -> Result<HttpResponse, ApiError> {
    let shop = shop::Entity::find()
        .filter(shop::Column::Domain.eq(proxy.shop.as_str()))
        .one(&state.db.conn)
        .await?;
    let installed = shop.as_ref().is_some_and(shop::Model::is_installed);
    Ok(HttpResponse::Ok().json(json!({
        "shop": proxy.shop,
        "installed": installed,
        "logged_in_customer_id": proxy.logged_in_customer_id,
        "path_prefix": proxy.path_prefix,
    })))
}
