//! Klaviyo OAuth connect (issue #17).
//!
//! - `klaviyo_oauth_states`: one row per started connect: the `state` nonce (its SHA-256,
//!   so a database reader cannot answer a callback with it), the PKCE verifier encrypted
//!   like the tokens, when it lapses and when a callback consumed it. Keyed by shop first,
//!   and the shop id travels in the `state` itself, so the callback (a top-level redirect
//!   from Klaviyo, without a session) still reads one shop's rows only. No foreign key:
//!   `compliance::delete_shop` removes a shop's rows explicitly.
//! - `klaviyo_accounts`: the OAuth refresh token (encrypted), the access token's expiry and
//!   the granted scopes; and a refresh lease (`refresh_holder`, `refresh_locked_until`) on
//!   the account row, the mechanism of `token_refresh_locks`, kept here because that table
//!   is keyed by shop alone and a Shopify refresh would otherwise hold up a Klaviyo one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, string, string_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

/// Adds `klaviyo_oauth_states` and the OAuth columns of `klaviyo_accounts`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000180_klaviyo_oauth"
    }
}

/// The added account columns, each its own `ALTER TABLE` (SQLite adds one at a time).
fn account_columns() -> [ColumnDef; 5] {
    [
        text_null(Col::RefreshTokenEncrypted),
        timestamp_with_time_zone_null(Col::AccessTokenExpiresAt),
        text_null(Col::Scopes),
        string_null(Col::RefreshHolder),
        timestamp_with_time_zone_null(Col::RefreshLockedUntil),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in account_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::KlaviyoAccounts)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager.create_table(states()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Col::KlaviyoOauthStates).to_owned())
            .await?;
        for column in account_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::KlaviyoAccounts)
                        .drop_column(Alias::new(column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

fn states() -> TableCreateStatement {
    Table::create()
        .table(Col::KlaviyoOauthStates)
        .if_not_exists()
        .col(big_integer(Col::ShopId))
        .col(string(Col::StateHash))
        .col(text(Col::VerifierEncrypted))
        .col(timestamp_with_time_zone(Col::CreatedAt))
        .col(timestamp_with_time_zone(Col::ExpiresAt))
        .col(timestamp_with_time_zone_null(Col::UsedAt))
        .primary_key(Index::create().col(Col::ShopId).col(Col::StateHash))
        .to_owned()
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    KlaviyoAccounts,
    KlaviyoOauthStates,
    ShopId,
    StateHash,
    VerifierEncrypted,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RefreshTokenEncrypted,
    AccessTokenExpiresAt,
    Scopes,
    RefreshHolder,
    RefreshLockedUntil,
}
