//! The client a push uses: the shop's stored credential, its OAuth token refreshed first
//! when it is about to lapse, pacing itself with the limiter every worker shares.

use std::sync::Arc;

use entity::{klaviyo_account, shop};
use klaviyo::Client;
use sea_orm::{DatabaseConnection, EntityTrait};
use shopify::TokenCipher;

use super::credential;
use super::error::EmailError;
use super::limiter::DbRateLimiter;
use super::settings::KlaviyoApi;
use super::tokens;

/// True while pushes may use the account: not refused by Klaviyo (`revoked`) and not
/// waiting for the merchant to connect again (`needs_reconnect`).
#[must_use]
pub fn pushes(account: &klaviyo_account::Model) -> bool {
    !matches!(account.status.as_str(), "revoked" | "needs_reconnect")
}

/// The shop's account and a client for it, pacing itself with the limiter every worker
/// shares for that Klaviyo account, its OAuth token refreshed first when it is about to
/// lapse; `None` when nothing is connected or the merchant must connect again.
///
/// # Errors
/// [`EmailError::Decrypt`] for a credential that does not decrypt,
/// [`EmailError::NeedsReconnect`] when Klaviyo refuses the refresh, or the database.
pub async fn load_client(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &TokenCipher,
    shop: &shop::Model,
) -> Result<Option<(klaviyo_account::Model, Client)>, EmailError> {
    let Some(account) = klaviyo_account::Entity::find_by_id(shop.id).one(db).await? else {
        return Ok(None);
    };
    if !pushes(&account) {
        return Ok(None);
    }
    let account = tokens::fresh(db, api, cipher, shop, account).await?;
    let credential = credential::of_account(cipher, &shop.domain, &account)?;
    let key = account
        .account_id
        .clone()
        .unwrap_or_else(|| format!("shop:{}", shop.id));
    let limiter = Arc::new(DbRateLimiter::new(db.clone(), key));
    let client = Client::with_limiter(api.config(credential), limiter)?;
    Ok(Some((account, client)))
}
