//! The per-shop feed secret: every feed URL of a shop carries it, and nothing else lets a
//! caller read a feed. Klaviyo fetches feeds without credentials, so the URL is the
//! credential; rotating it retires every old URL at once.

use chrono::Utc;
use entity::email_feed_key;
use rand::RngCore;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// Prefix of every feed token, so a leaked one is recognisable in a secret scanner.
const PREFIX: &str = "mf_";

/// Random bytes per token (256 bits).
const TOKEN_BYTES: usize = 32;

/// The shop's feed token, made on first use.
///
/// # Errors
/// The database error.
pub async fn feed_token(conn: &impl ConnectionTrait, shop_id: i64) -> Result<String, DbErr> {
    if let Some(token) = existing_feed_token(conn, shop_id).await? {
        return Ok(token);
    }
    // Two first uses at once: the insert that loses keeps the winner's token.
    email_feed_key::Entity::insert(row(shop_id, new_token()))
        .on_conflict(
            OnConflict::column(email_feed_key::Column::ShopId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    existing_feed_token(conn, shop_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("feed key of shop {shop_id}")))
}

/// The shop's feed token if feeds were ever turned on; `None` otherwise (none is made).
///
/// # Errors
/// The database error.
pub async fn existing_feed_token(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<Option<String>, DbErr> {
    Ok(email_feed_key::Entity::find_by_id(shop_id)
        .one(conn)
        .await?
        .map(|key| key.token))
}

/// Replaces the shop's feed token; every URL carrying the old one stops working.
///
/// # Errors
/// The database error.
pub async fn rotate_feed_token(conn: &impl ConnectionTrait, shop_id: i64) -> Result<String, DbErr> {
    let token = new_token();
    email_feed_key::Entity::insert(row(shop_id, token.clone()))
        .on_conflict(
            OnConflict::column(email_feed_key::Column::ShopId)
                .update_columns([
                    email_feed_key::Column::Token,
                    email_feed_key::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(token)
}

/// The shop a feed token belongs to; `None` for an unknown or malformed token.
///
/// # Errors
/// The database error.
pub async fn shop_of_token(conn: &impl ConnectionTrait, token: &str) -> Result<Option<i64>, DbErr> {
    if !well_formed(token) {
        return Ok(None);
    }
    Ok(email_feed_key::Entity::find()
        .filter(email_feed_key::Column::Token.eq(token))
        .one(conn)
        .await?
        .map(|key| key.shop_id))
}

/// Whether the shop has feeds (a token was ever made).
///
/// # Errors
/// The database error.
pub async fn has_feeds(conn: &impl ConnectionTrait, shop_id: i64) -> Result<bool, DbErr> {
    Ok(existing_feed_token(conn, shop_id).await?.is_some())
}

fn well_formed(token: &str) -> bool {
    token.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == 2 * TOKEN_BYTES && rest.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn new_token() -> String {
    let mut bytes = [0_u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", hex::encode(bytes))
}

fn row(shop_id: i64, token: String) -> email_feed_key::ActiveModel {
    email_feed_key::ActiveModel {
        shop_id: Set(shop_id),
        token: Set(token),
        created_at: Set(Utc::now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_tokens_are_well_formed_and_differ() {
        let (a, b) = (new_token(), new_token());
        assert!(well_formed(&a), "{a}");
        assert_ne!(a, b);
        assert!(!well_formed("mf_short"));
        assert!(!well_formed(&a.replacen("mf_", "xx_", 1)));
    }
}
