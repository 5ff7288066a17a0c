//! Rotating the key that encrypts stored secrets: with the new key current and the old one
//! retired (`shopify.retired_token_encryption_keys`), every stored secret — shops' Shopify
//! tokens, Klaviyo keys and tokens, pending Klaviyo connects' verifiers — is sealed again
//! with the current key, after which the retired key can be removed (docs/OPERATIONS.md).
//!
//! Each row is rewritten in one statement and only when one of its values moved, so
//! the rotation can be stopped and run again: a second run finds every value current. A
//! value no key opens (a corrupt row, or a key that was dropped too early) is counted and
//! left as it is.

use std::collections::HashMap;

use entity::{klaviyo_account, klaviyo_oauth_state, shop};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};
use shopify::TokenCipher;

use crate::email::{CREDENTIAL_COLUMN, REFRESH_COLUMN, VERIFIER_COLUMN};
use crate::shop_auth::{ACCESS_TOKEN_COLUMN, REFRESH_TOKEN_COLUMN, token_context};

/// What a rotation found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// Values sealed again with the current key.
    pub resealed: u64,
    /// Values the current key had sealed already.
    pub current: u64,
    /// Values no configured key opens, left as they were.
    pub unreadable: u64,
}

impl std::fmt::Display for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resealed, {} already current, {} unreadable",
            self.resealed, self.current, self.unreadable
        )
    }
}

impl Rotation {
    /// `stored` (of `context`) under the current key: `Some` new value when it moved.
    fn reseal(&mut self, cipher: &TokenCipher, stored: &str, context: &str) -> Option<String> {
        match cipher.reseal(stored, context) {
            Ok(None) => {
                self.current += 1;
                None
            }
            Ok(Some(resealed)) => {
                self.resealed += 1;
                Some(resealed)
            }
            Err(_) => {
                tracing::warn!(context, "a stored secret opens with no configured key");
                self.unreadable += 1;
                None
            }
        }
    }

    /// As [`Rotation::reseal`], for a value that may not be stored.
    fn reseal_optional(
        &mut self,
        cipher: &TokenCipher,
        stored: Option<&str>,
        context: &str,
    ) -> Option<String> {
        stored.and_then(|value| self.reseal(cipher, value, context))
    }
}

/// Seals every stored secret again with `cipher`'s current key.
///
/// # Errors
/// The database error; the rows rewritten before it stay rewritten.
pub async fn rotate(db: &DatabaseConnection, cipher: &TokenCipher) -> Result<Rotation, DbErr> {
    let mut rotation = Rotation::default();
    let shops = shop::Entity::find().all(db).await?;
    for row in &shops {
        reseal_shop(db, cipher, row, &mut rotation).await?;
    }
    let domains: HashMap<i64, &str> = shops.iter().map(|s| (s.id, s.domain.as_str())).collect();
    for account in klaviyo_account::Entity::find().all(db).await? {
        let Some(domain) = domains.get(&account.shop_id) else {
            continue;
        };
        reseal_account(db, cipher, domain, account, &mut rotation).await?;
    }
    for state in klaviyo_oauth_state::Entity::find().all(db).await? {
        let Some(domain) = domains.get(&state.shop_id) else {
            continue;
        };
        let context = token_context(domain, VERIFIER_COLUMN);
        if let Some(verifier) = rotation.reseal(cipher, &state.verifier_encrypted, &context) {
            let mut active = state.into_active_model();
            active.verifier_encrypted = Set(verifier);
            active.update(db).await?;
        }
    }
    Ok(rotation)
}

async fn reseal_shop(
    db: &DatabaseConnection,
    cipher: &TokenCipher,
    row: &shop::Model,
    rotation: &mut Rotation,
) -> Result<(), DbErr> {
    let context = |column| token_context(&row.domain, column);
    let access = rotation.reseal_optional(
        cipher,
        row.access_token_encrypted.as_deref(),
        &context(ACCESS_TOKEN_COLUMN),
    );
    let refresh = rotation.reseal_optional(
        cipher,
        row.refresh_token_encrypted.as_deref(),
        &context(REFRESH_TOKEN_COLUMN),
    );
    if access.is_none() && refresh.is_none() {
        return Ok(());
    }
    // One statement, only the moved columns, compared with what was read: a token refreshed
    // meanwhile wins.
    let mut update = shop::Entity::update_many().filter(shop::Column::Id.eq(row.id));
    if let Some(access) = access {
        update = update
            .col_expr(shop::Column::AccessTokenEncrypted, access.into())
            .filter(shop::Column::AccessTokenEncrypted.eq(row.access_token_encrypted.clone()));
    }
    if let Some(refresh) = refresh {
        update = update
            .col_expr(shop::Column::RefreshTokenEncrypted, refresh.into())
            .filter(shop::Column::RefreshTokenEncrypted.eq(row.refresh_token_encrypted.clone()));
    }
    update.exec(db).await?;
    Ok(())
}

async fn reseal_account(
    db: &DatabaseConnection,
    cipher: &TokenCipher,
    domain: &str,
    account: klaviyo_account::Model,
    rotation: &mut Rotation,
) -> Result<(), DbErr> {
    let credential = rotation.reseal(
        cipher,
        &account.credential_encrypted,
        &token_context(domain, CREDENTIAL_COLUMN),
    );
    let refresh = rotation.reseal_optional(
        cipher,
        account.refresh_token_encrypted.as_deref(),
        &token_context(domain, REFRESH_COLUMN),
    );
    if credential.is_none() && refresh.is_none() {
        return Ok(());
    }
    // As for shops: only the moved columns, and only if no refresh replaced them meanwhile.
    let mut update = klaviyo_account::Entity::update_many()
        .filter(klaviyo_account::Column::ShopId.eq(account.shop_id));
    if let Some(credential) = credential {
        update = update
            .col_expr(
                klaviyo_account::Column::CredentialEncrypted,
                credential.into(),
            )
            .filter(klaviyo_account::Column::CredentialEncrypted.eq(account.credential_encrypted));
    }
    if let Some(refresh) = refresh {
        update = update
            .col_expr(
                klaviyo_account::Column::RefreshTokenEncrypted,
                refresh.into(),
            )
            .filter(
                klaviyo_account::Column::RefreshTokenEncrypted.eq(account.refresh_token_encrypted),
            );
    }
    update.exec(db).await?;
    Ok(())
}
