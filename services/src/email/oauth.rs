//! "Connect with Klaviyo": the OAuth authorization-code flow with PKCE.
//!
//! [`start_connect`] stores a one-time `state` (its SHA-256 only) and the PKCE verifier
//! (encrypted) for ten minutes and answers Klaviyo's authorization URL. Klaviyo sends the
//! merchant back to `/klaviyo/callback` with `code` and `state`, without a session: the
//! `state` is `{shop id}.{random}`, so [`finish_connect`] reads that shop's rows only. It
//! consumes the state atomically (a replay finds it used), exchanges the code, checks the
//! granted scopes with the same test calls as a private key, and stores the tokens
//! encrypted with the access token's expiry. When Klaviyo cannot be reached for the
//! exchange, the state is put back: the merchant reloads the callback and it goes through.

use chrono::Utc;
use entity::{klaviyo_account, klaviyo_oauth_state, shop};
use klaviyo::{Credential, OAuthError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest as _, Sha256};
use shopify::TokenCipher;

use super::account::verify;
use super::credential::{self, NewConnection, VERIFIER_COLUMN};
use super::error::EmailError;
use super::settings::KlaviyoApi;
use super::tokens::{expiry, oauth_client};

/// Starts a connect for `shop`: stores its state and verifier, answers the URL to send
/// the merchant to.
///
/// # Errors
/// [`EmailError::OAuthNotConfigured`] without `klaviyo.oauth`, or the database.
pub async fn start_connect(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &TokenCipher,
    shop: &shop::Model,
) -> Result<String, EmailError> {
    let (app, client) = oauth_client(api)?;
    let request = client.authorization_request(&shop.id.to_string());
    let now = Utc::now();
    // Lapsed connects of the shop are of no use to anyone.
    klaviyo_oauth_state::Entity::delete_many()
        .filter(klaviyo_oauth_state::Column::ShopId.eq(shop.id))
        .filter(klaviyo_oauth_state::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let row = klaviyo_oauth_state::ActiveModel {
        shop_id: Set(shop.id),
        state_hash: Set(state_hash(&request.state)),
        verifier_encrypted: Set(credential::seal(
            cipher,
            &shop.domain,
            VERIFIER_COLUMN,
            &request.pkce_verifier,
        )?),
        created_at: Set(now),
        expires_at: Set(now + app.state_ttl),
        used_at: Set(None),
    };
    klaviyo_oauth_state::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(request.url.into())
}

/// The shop a callback's `state` names (its tag), whether or not the state is valid.
///
/// # Errors
/// [`EmailError::StateUnknown`] when the tag names no shop, or the database.
pub async fn connect_shop(db: &DatabaseConnection, state: &str) -> Result<shop::Model, EmailError> {
    let shop_id: i64 = state
        .split_once('.')
        .and_then(|(tag, _)| tag.parse().ok())
        .ok_or(EmailError::StateUnknown)?;
    shop::Entity::find_by_id(shop_id)
        .one(db)
        .await?
        .ok_or(EmailError::StateUnknown)
}

fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

/// Completes a connect from the callback's `state` and `code`: the shop and its account.
///
/// # Errors
/// [`EmailError::StateUnknown`], [`EmailError::StateUsed`], [`EmailError::StateExpired`]
/// for a state this app cannot honour; [`EmailError::OAuth`] when Klaviyo refuses the code
/// or cannot be reached (then the state stays usable); the scope check's errors.
pub async fn finish_connect(
    db: &DatabaseConnection,
    api: &KlaviyoApi,
    cipher: &TokenCipher,
    state: &str,
    code: &str,
) -> Result<(shop::Model, klaviyo_account::Model), EmailError> {
    let (_, client) = oauth_client(api)?;
    let shop = connect_shop(db, state).await?;
    let shop_id = shop.id;
    let hash = state_hash(state);
    let pending = claim(db, shop_id, &hash).await?;
    let verifier = credential::open(
        cipher,
        &shop.domain,
        VERIFIER_COLUMN,
        &pending.verifier_encrypted,
    )?;
    let tokens = match client.exchange_code(code, &verifier).await {
        Ok(tokens) => tokens,
        Err(err @ OAuthError::Transport(_)) => {
            release(db, shop_id, &hash).await?;
            return Err(EmailError::OAuth(err));
        }
        Err(err) => return Err(EmailError::OAuth(err)),
    };
    let access = Credential::OauthAccessToken(tokens.access_token.clone());
    let account = verify(api, &access).await?;
    let connection = NewConnection {
        credential: access,
        refresh_token: tokens.refresh_token.clone(),
        expires_at: expiry(&tokens),
        scopes: Some(tokens.scopes.join(" ")),
        account_id: account.id,
    };
    let saved = credential::save(db, cipher, &shop, connection).await?;
    tracing::info!(shop = shop.id, "Klaviyo connected with OAuth");
    Ok((shop, saved))
}

/// Marks the state used if it is unused and live; otherwise says why it cannot be.
async fn claim(
    db: &DatabaseConnection,
    shop_id: i64,
    hash: &str,
) -> Result<klaviyo_oauth_state::Model, EmailError> {
    let now = Utc::now();
    let claimed = klaviyo_oauth_state::Entity::update_many()
        .col_expr(klaviyo_oauth_state::Column::UsedAt, Expr::value(Some(now)))
        .filter(klaviyo_oauth_state::Column::ShopId.eq(shop_id))
        .filter(klaviyo_oauth_state::Column::StateHash.eq(hash))
        .filter(klaviyo_oauth_state::Column::UsedAt.is_null())
        .filter(klaviyo_oauth_state::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    let row = klaviyo_oauth_state::Entity::find_by_id((shop_id, hash.to_owned()))
        .one(db)
        .await?
        .ok_or(EmailError::StateUnknown)?;
    match (claimed.rows_affected, row.used_at) {
        (1, _) => Ok(row),
        (_, Some(_)) => Err(EmailError::StateUsed),
        _ => Err(EmailError::StateExpired),
    }
}

/// Puts a state this callback claimed back (only this callback can have claimed it: the
/// claim is atomic).
async fn release(db: &DatabaseConnection, shop_id: i64, hash: &str) -> Result<(), EmailError> {
    klaviyo_oauth_state::Entity::update_many()
        .col_expr(
            klaviyo_oauth_state::Column::UsedAt,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .filter(klaviyo_oauth_state::Column::ShopId.eq(shop_id))
        .filter(klaviyo_oauth_state::Column::StateHash.eq(hash))
        .exec(db)
        .await?;
    Ok(())
}
