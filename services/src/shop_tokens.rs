//! Shop credentials in the database: storing Shopify's tokens encrypted, reading them back,
//! and refreshing expiring ones — one refresh per shop at a time, because refresh tokens
//! rotate and a second concurrent refresh would present a token Shopify already retired.

use chrono::{DateTime, Duration, Utc};
use common::database::insert_if_absent;
use common::telemetry::Chain;
use entity::{ShopDomain, shop, token_refresh_lock};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use secrecy::{ExposeSecret, SecretString};
use shopify::{AccessToken, TokenError};

use crate::shop_auth::{ACCESS_TOKEN_COLUMN, REFRESH_TOKEN_COLUMN, ShopifyApp, token_context};

/// How long a refresh lock lasts if its holder dies mid-refresh.
const LOCK_TTL_SECS: i64 = 60;

/// Why credentials could not be stored, read or refreshed.
#[derive(Debug, thiserror::Error)]
pub enum ShopTokenError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Shopify's token endpoint failed or refused.
    #[error(transparent)]
    Shopify(#[from] TokenError),
    /// A stored token could not be decrypted (wrong key or corrupt row).
    #[error("stored token cannot be decrypted")]
    Decrypt,
    /// The shop has no usable token (uninstalled or never installed).
    #[error("shop has no access token")]
    NoToken,
    /// The stored shop domain does not parse (a corrupt row).
    #[error("the stored shop domain is invalid")]
    InvalidDomain(#[from] entity::domain::ShopDomainError),
}

impl From<shopify::CipherError> for ShopTokenError {
    fn from(_: shopify::CipherError) -> Self {
        Self::Decrypt
    }
}

fn seconds(value: Option<i64>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    value.map(|secs| now + Duration::seconds(secs))
}

/// A token just stored, and what the caller has to start because of it.
#[derive(Debug, Clone)]
pub struct StoredToken {
    /// The shop row as saved.
    pub shop: shop::Model,
    /// True when this token installed the shop (first install or reinstall): the catalog
    /// sync and the web pixel connection have to start.
    pub installed: bool,
}

/// Stores a token Shopify just issued for `shop` (install, token exchange or refresh):
/// encrypted, with its scopes and expiries; marks the shop installed. Creates the shop row on
/// first install. The caller schedules the follow-up work the answer names (the job runtime
/// owns the queue; this module only knows the database).
///
/// # Errors
/// [`ShopTokenError`] when encryption or the database fails.
pub async fn store_token(
    db: &DatabaseConnection,
    app: &ShopifyApp,
    shop: &ShopDomain,
    token: &AccessToken,
    now: DateTime<Utc>,
) -> Result<StoredToken, ShopTokenError> {
    let access = app.cipher.encrypt(
        token.access_token.expose_secret(),
        &token_context(shop.as_str(), ACCESS_TOKEN_COLUMN),
    )?;
    let refresh = match &token.refresh_token {
        Some(refresh) => Some(app.cipher.encrypt(
            refresh.expose_secret(),
            &token_context(shop.as_str(), REFRESH_TOKEN_COLUMN),
        )?),
        None => None,
    };
    let existing = shop::Entity::find()
        .filter(shop::Column::Domain.eq(shop.as_str()))
        .one(db)
        .await?;
    let mut row: shop::ActiveModel = match &existing {
        Some(model) => model.clone().into(),
        None => shop::ActiveModel {
            domain: Set(shop.as_str().to_owned()),
            name: Set(shop.as_str().trim_end_matches(".myshopify.com").to_owned()),
            currency: Set("USD".into()),
            is_demo: Set(false),
            plan: Set(None),
            ingest_key: Set(uuid::Uuid::new_v4().simple().to_string()),
            created_at: Set(now),
            ..Default::default()
        },
    };
    let reinstall = existing.as_ref().is_none_or(|model| !model.is_installed());
    row.access_token_encrypted = Set(Some(access));
    row.access_token_expires_at = Set(seconds(token.expires_in, now));
    row.refresh_token_encrypted = Set(refresh);
    row.refresh_token_expires_at = Set(seconds(token.refresh_token_expires_in, now));
    row.scopes = Set(token.scope.clone());
    if reinstall {
        row.installed_at = Set(Some(now));
    }
    row.uninstalled_at = Set(None);
    row.updated_at = Set(now);
    let saved = match existing {
        Some(_) => row.update(db).await?,
        None => row.insert(db).await?,
    };
    Ok(StoredToken {
        shop: saved,
        installed: reinstall,
    })
}

/// When `expires_at`'s token should be refreshed: `token_refresh_lead_secs` before it lapses.
#[must_use]
pub fn refresh_due(app: &ShopifyApp, expires_at: DateTime<Utc>) -> DateTime<Utc> {
    expires_at - Duration::seconds(refresh_lead_secs(app))
}

/// How long before expiry a token counts as due for refresh (`token_refresh_lead_secs`).
#[must_use]
pub fn refresh_lead_secs(app: &ShopifyApp) -> i64 {
    i64::try_from(app.settings.token_refresh_lead_secs).unwrap_or(300)
}

/// The shop's access token, decrypted.
///
/// # Errors
/// [`ShopTokenError::NoToken`] when there is none, [`ShopTokenError::Decrypt`] when the
/// stored value cannot be decrypted.
pub fn access_token(app: &ShopifyApp, shop: &shop::Model) -> Result<SecretString, ShopTokenError> {
    let stored = shop
        .access_token_encrypted
        .as_deref()
        .ok_or(ShopTokenError::NoToken)?;
    Ok(app
        .cipher
        .decrypt(stored, &token_context(&shop.domain, ACCESS_TOKEN_COLUMN))?)
}

/// True when the shop is installed and holds an access token that is not about to lapse.
#[must_use]
pub fn has_usable_token(shop: &shop::Model, now: DateTime<Utc>, lead_secs: i64) -> bool {
    shop.uninstalled_at.is_none()
        && shop.access_token_encrypted.is_some()
        && shop
            .access_token_expires_at
            .is_none_or(|at| at > now + Duration::seconds(lead_secs))
}

/// What a refresh attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Shopify issued a new token pair; it is stored.
    Refreshed,
    /// Another process holds the shop's refresh lock; nothing was done.
    AlreadyRunning,
    /// The token is still fresh (someone refreshed it meanwhile); nothing was done.
    StillFresh,
    /// The shop is gone, uninstalled, or has no refresh token; nothing was done.
    NotApplicable,
}

/// Refreshes `shop_id`'s expiring token unless another refresh holds the shop's lock, or the
/// token is fresher than `lead_secs` (set `force` to refresh anyway, after a 401).
///
/// # Errors
/// [`ShopTokenError`] when Shopify refuses (then the dead tokens are cleared, so the next
/// admin visit performs a token exchange) or the database fails.
pub async fn refresh(
    db: &DatabaseConnection,
    app: &ShopifyApp,
    shop_id: i64,
    force: bool,
) -> Result<RefreshOutcome, ShopTokenError> {
    let now = Utc::now();
    let holder = uuid::Uuid::new_v4().simple().to_string();
    if !try_lock(db, shop_id, &holder, now).await? {
        return Ok(RefreshOutcome::AlreadyRunning);
    }
    let result = refresh_locked(db, app, shop_id, force, now).await;
    unlock(db, shop_id, &holder).await;
    result
}

async fn refresh_locked(
    db: &DatabaseConnection,
    app: &ShopifyApp,
    shop_id: i64,
    force: bool,
    now: DateTime<Utc>,
) -> Result<RefreshOutcome, ShopTokenError> {
    let Some(shop) = shop::Entity::find_by_id(shop_id).one(db).await? else {
        return Ok(RefreshOutcome::NotApplicable);
    };
    let (Some(stored), None) = (&shop.refresh_token_encrypted, shop.uninstalled_at) else {
        return Ok(RefreshOutcome::NotApplicable);
    };
    if !force && has_usable_token(&shop, now, refresh_lead_secs(app)) {
        return Ok(RefreshOutcome::StillFresh);
    }
    let refresh_token = app
        .cipher
        .decrypt(stored, &token_context(&shop.domain, REFRESH_TOKEN_COLUMN))?;
    let domain = ShopDomain::parse(&shop.domain)?;
    match app.tokens.refresh(&domain, &refresh_token).await {
        Ok(token) => {
            store_token(db, app, &domain, &token, now).await?;
            tracing::info!(shop = %domain, "access token refreshed");
            Ok(RefreshOutcome::Refreshed)
        }
        Err(err) if !err.is_transient() => {
            tracing::warn!(shop = %domain, err = %Chain(&err), "refresh refused; clearing the dead tokens");
            clear_tokens(db, shop_id).await?;
            Err(err.into())
        }
        Err(err) => Err(err.into()),
    }
}

/// Forgets a shop's tokens (uninstall, or a refresh token Shopify refused).
///
/// # Errors
/// The database error.
pub async fn clear_tokens(db: &impl ConnectionTrait, shop_id: i64) -> Result<(), DbErr> {
    shop::Entity::update_many()
        .col_expr(
            shop::Column::AccessTokenEncrypted,
            Expr::value(None::<String>),
        )
        .col_expr(
            shop::Column::RefreshTokenEncrypted,
            Expr::value(None::<String>),
        )
        .col_expr(
            shop::Column::AccessTokenExpiresAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(
            shop::Column::RefreshTokenExpiresAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(shop::Column::Id.eq(shop_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes the shop's refresh lock if it is free or its holder's lease lapsed: one atomic
/// upsert whose update only applies when `locked_until` has passed.
async fn try_lock(
    db: &DatabaseConnection,
    shop_id: i64,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = token_refresh_lock::ActiveModel {
        shop_id: Set(shop_id),
        holder: Set(holder.to_owned()),
        locked_until: Set(now + Duration::seconds(LOCK_TTL_SECS)),
    };
    let upsert = OnConflict::column(token_refresh_lock::Column::ShopId)
        .update_columns([
            token_refresh_lock::Column::Holder,
            token_refresh_lock::Column::LockedUntil,
        ])
        .action_and_where(token_refresh_lock::Column::LockedUntil.lt(now))
        .to_owned();
    insert_if_absent(db, row, upsert).await
}

async fn unlock(db: &DatabaseConnection, shop_id: i64, holder: &str) {
    let released = token_refresh_lock::Entity::delete_many()
        .filter(token_refresh_lock::Column::ShopId.eq(shop_id))
        .filter(token_refresh_lock::Column::Holder.eq(holder))
        .exec(db)
        .await;
    if let Err(err) = released {
        tracing::warn!(shop_id, %err, "cannot release the refresh lock; it lapses on its own");
    }
}

/// Calls Shopify with the shop's token; on a 401 refreshes once (forced) and retries once.
/// The building block for Admin API clients of later issues.
///
/// # Errors
/// The call's error, or [`ShopTokenError`] from reading or refreshing the token.
pub async fn with_token<T, E, Call, Fut>(
    db: &DatabaseConnection,
    app: &ShopifyApp,
    shop_id: i64,
    call: Call,
) -> Result<T, E>
where
    E: From<ShopTokenError> + From<shopify::client::Unauthorized>,
    Call: FnMut(SecretString) -> Fut,
    Fut: Future<Output = Result<T, shopify::client::ApiCallError<E>>>,
{
    let load = || async {
        let shop = shop::Entity::find_by_id(shop_id)
            .one(db)
            .await
            .map_err(ShopTokenError::from)?
            .ok_or(ShopTokenError::NoToken)?;
        access_token(app, &shop).map_err(E::from)
    };
    let refresh_then_load = || async {
        refresh(db, app, shop_id, true).await.map_err(E::from)?;
        load().await
    };
    shopify::client::with_refresh_on_401(load, refresh_then_load, call).await
}
