//! A Klaviyo OAuth connection's tokens over time: refreshed ahead of expiry and after a
//! 401, one refresh per shop at a time, and revoked on disconnect.
//!
//! Klaviyo rotates refresh tokens: each refresh spends the one presented and answers a new
//! one. Two workers refreshing together would present the same token twice, and the second
//! would be refused (`invalid_grant`) and disconnect the shop. So a refresh runs under a
//! lease on the account row (`refresh_holder`, `refresh_locked_until`: the mechanism of
//! `token_refresh_locks`, which is keyed by shop alone and so would make a Shopify refresh
//! hold up a Klaviyo one); a worker that finds the lease taken waits for it to go and reads
//! the token its holder stored.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use entity::{klaviyo_account, shop};
use klaviyo::{OAuthClient, OAuthError, Tokens};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use shopify::TokenCipher;

use super::account::update_account;
use super::credential::{self, CREDENTIAL_COLUMN, OAUTH_KIND, REFRESH_COLUMN};
use super::error::EmailError;
use super::settings::{KlaviyoApi, OAuthApp};

/// How long a refresh lease lasts if its holder dies mid-refresh.
const LEASE_SECS: i64 = 60;
/// How often a worker waiting for another's refresh looks again.
const WAIT_STEP: StdDuration = StdDuration::from_millis(100);
/// How long it waits in all before giving up (the job retries later).
const WAIT_STEPS: u32 = 150;

/// The app's OAuth registration and a client for its endpoints.
pub(super) fn oauth_client(api: &KlaviyoApi) -> Result<(&OAuthApp, OAuthClient), EmailError> {
    let app = api.oauth.as_ref().ok_or(EmailError::OAuthNotConfigured)?;
    let client = OAuthClient::new(&app.config, StdDuration::from_secs(api.timeout_secs))
        .map_err(EmailError::OAuth)?;
    Ok((app, client))
}

/// When `tokens`' access token lapses, from now.
pub(super) fn expiry(tokens: &Tokens) -> Option<chrono::DateTime<Utc>> {
    let lifetime = tokens.expires_in?;
    Some(Utc::now() + Duration::from_std(lifetime).unwrap_or(Duration::zero()))
}

/// `account` itself, or after a refresh when it is OAuth and its access token lapses within
/// the refresh lead.
pub(super) async fn fresh(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &TokenCipher,
    shop: &shop::Model,
    account: klaviyo_account::Model,
) -> Result<klaviyo_account::Model, EmailError> {
    let lead = api
        .oauth
        .as_ref()
        .map_or(Duration::zero(), |app| app.refresh_lead);
    if account.credential_kind != OAUTH_KIND || !due(&account, lead) {
        return Ok(account);
    }
    refresh(db, api, cipher, shop, None).await
}

fn due(account: &klaviyo_account::Model, lead: Duration) -> bool {
    account
        .access_token_expires_at
        .is_some_and(|at| at <= Utc::now() + lead)
}

/// Refreshes the shop's OAuth tokens: when they are due, or, with `refused` (the sealed
/// access token Klaviyo just answered 401 to), when that is still the stored one. Exactly
/// one process refreshes; the others wait and read what it stored.
///
/// # Errors
/// [`EmailError::NeedsReconnect`] when Klaviyo refuses the refresh token (the account is
/// marked so), [`EmailError::OAuth`] when its token endpoint is unreachable,
/// [`EmailError::RefreshBusy`] when another holder kept the lease too long.
pub async fn refresh(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &TokenCipher,
    shop: &shop::Model,
    refused: Option<&str>,
) -> Result<klaviyo_account::Model, EmailError> {
    let (app, client) = oauth_client(api)?;
    let settled = |account: &klaviyo_account::Model| match refused {
        Some(sealed) => account.credential_encrypted != sealed,
        None => !due(account, app.refresh_lead),
    };
    let holder = uuid::Uuid::new_v4().simple().to_string();
    for _ in 0..WAIT_STEPS {
        let account = load(db, shop.id).await?;
        if account.status == "needs_reconnect" {
            return Err(EmailError::NeedsReconnect(None));
        }
        if settled(&account) {
            return Ok(account);
        }
        if take_lease(db, shop.id, &holder).await? {
            let result = refresh_leased(db, cipher, shop, &client, &holder, settled).await;
            release_lease(db, shop.id, &holder).await;
            return result;
        }
        tokio::time::sleep(WAIT_STEP).await;
    }
    Err(EmailError::RefreshBusy)
}

/// The refresh itself, under the lease: reads the account again (a holder that finished
/// just before the lease was taken may have refreshed already), then spends the refresh
/// token and stores the rotated pair.
async fn refresh_leased(
    db: &DatabaseConnection,
    cipher: &TokenCipher,
    shop: &shop::Model,
    client: &OAuthClient,
    holder: &str,
    settled: impl Fn(&klaviyo_account::Model) -> bool,
) -> Result<klaviyo_account::Model, EmailError> {
    let account = load(db, shop.id).await?;
    if settled(&account) {
        return Ok(account);
    }
    let sealed = account
        .refresh_token_encrypted
        .as_deref()
        .ok_or(EmailError::NotConnected)?;
    let refresh_token = credential::open(cipher, &shop.domain, REFRESH_COLUMN, sealed)?;
    let tokens = match client.refresh(&refresh_token).await {
        Ok(tokens) => tokens,
        Err(err @ OAuthError::Rejected { .. }) => {
            let err = EmailError::NeedsReconnect(Some(err));
            super::account::record_failure(db, shop.id, &err).await?;
            forget_tokens(db, shop.id).await?;
            tracing::warn!(
                shop = shop.id,
                "Klaviyo refused the refresh token; the merchant must reconnect"
            );
            return Err(err);
        }
        Err(err) => return Err(EmailError::OAuth(err)),
    };
    // Rotation: a missing refresh token in the answer keeps the one just presented.
    let refresh = tokens.refresh_token.as_ref().unwrap_or(&refresh_token);
    let changes = klaviyo_account::ActiveModel {
        credential_encrypted: Set(credential::seal(
            cipher,
            &shop.domain,
            CREDENTIAL_COLUMN,
            &tokens.access_token,
        )?),
        refresh_token_encrypted: Set(Some(credential::seal(
            cipher,
            &shop.domain,
            REFRESH_COLUMN,
            refresh,
        )?)),
        access_token_expires_at: Set(expiry(&tokens)),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    // Only while the lease is still ours: a holder whose lease lapsed must not overwrite
    // the pair a later holder stored.
    klaviyo_account::Entity::update_many()
        .set(changes)
        .filter(klaviyo_account::Column::ShopId.eq(shop.id))
        .filter(klaviyo_account::Column::RefreshHolder.eq(holder))
        .exec(db)
        .await?;
    tracing::info!(shop = shop.id, "Klaviyo access token refreshed");
    load(db, shop.id).await
}

async fn load(db: &DatabaseConnection, shop_id: i64) -> Result<klaviyo_account::Model, EmailError> {
    klaviyo_account::Entity::find_by_id(shop_id)
        .one(db)
        .await?
        .ok_or(EmailError::NotConnected)
}

/// Drops a dead grant's refresh token, so nothing presents it again.
async fn forget_tokens(db: &DatabaseConnection, shop_id: i64) -> Result<(), EmailError> {
    let changes = klaviyo_account::ActiveModel {
        refresh_token_encrypted: Set(None),
        access_token_expires_at: Set(None),
        ..Default::default()
    };
    update_account(db, shop_id, changes).await
}

/// Takes the shop's refresh lease if it is free or lapsed: one conditional update, atomic
/// on both databases.
async fn take_lease(db: &DatabaseConnection, shop_id: i64, holder: &str) -> Result<bool, DbErr> {
    let now = Utc::now();
    let taken = klaviyo_account::Entity::update_many()
        .col_expr(klaviyo_account::Column::RefreshHolder, Expr::value(holder))
        .col_expr(
            klaviyo_account::Column::RefreshLockedUntil,
            Expr::value(now + Duration::seconds(LEASE_SECS)),
        )
        .filter(klaviyo_account::Column::ShopId.eq(shop_id))
        .filter(
            Condition::any()
                .add(klaviyo_account::Column::RefreshLockedUntil.is_null())
                .add(klaviyo_account::Column::RefreshLockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

async fn release_lease(db: &DatabaseConnection, shop_id: i64, holder: &str) {
    let released = klaviyo_account::Entity::update_many()
        .col_expr(
            klaviyo_account::Column::RefreshHolder,
            Expr::value(None::<String>),
        )
        .col_expr(
            klaviyo_account::Column::RefreshLockedUntil,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .filter(klaviyo_account::Column::ShopId.eq(shop_id))
        .filter(klaviyo_account::Column::RefreshHolder.eq(holder))
        .exec(db)
        .await;
    if let Err(err) = released {
        tracing::warn!(shop_id, %err, "cannot release the Klaviyo refresh lease; it lapses on its own");
    }
}

/// Disconnects the shop's Klaviyo account: revokes an OAuth grant at Klaviyo, then deletes
/// the account with its tokens (a private key is only deleted: Klaviyo has no revocation
/// for it, the merchant deletes the key in Klaviyo). `false` when nothing was connected.
///
/// # Errors
/// [`EmailError::OAuth`] when Klaviyo's revocation endpoint is unreachable (nothing is
/// deleted, so the merchant can try again), or the database.
pub async fn disconnect(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &TokenCipher,
    shop: &shop::Model,
) -> Result<bool, EmailError> {
    let Some(account) = klaviyo_account::Entity::find_by_id(shop.id).one(db).await? else {
        return Ok(false);
    };
    if let Some(sealed) = &account.refresh_token_encrypted {
        let token = credential::open(cipher, &shop.domain, REFRESH_COLUMN, sealed)?;
        let (_, client) = oauth_client(api)?;
        match client.revoke(&token).await {
            // Refused: the grant is already gone at Klaviyo.
            Ok(()) | Err(OAuthError::Rejected { .. }) => {}
            Err(err) => return Err(EmailError::OAuth(err)),
        }
    }
    klaviyo_account::Entity::delete_many()
        .filter(klaviyo_account::Column::ShopId.eq(shop.id))
        .exec(db)
        .await?;
    tracing::info!(shop = shop.id, kind = %account.credential_kind, "Klaviyo disconnected");
    Ok(true)
}
