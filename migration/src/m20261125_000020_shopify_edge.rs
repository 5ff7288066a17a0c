//! The Shopify edge: one-time OAuth states, app-proxy replay guard, compliance data exports,
//! the per-shop token refresh lock, and an outcome on webhook receipts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, json, string, string_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null,
};

/// Creates the tables of the Shopify edge.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000020_shopify_edge"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(oauth_states()).await?;
        manager.create_table(app_proxy_replays()).await?;
        manager.create_table(data_exports()).await?;
        manager.create_table(token_refresh_locks()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::WebhookReceipts)
                    .add_column(string_null(Col::Outcome))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_app_proxy_replays_expires_at")
                    .table(Col::AppProxyReplays)
                    .col(Col::ExpiresAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_data_exports_shop_id_customer_id")
                    .table(Col::DataExports)
                    .col(Col::ShopId)
                    .col(Col::CustomerId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::WebhookReceipts)
                    .drop_column(Col::Outcome)
                    .to_owned(),
            )
            .await?;
        for table in [
            Col::TokenRefreshLocks,
            Col::DataExports,
            Col::AppProxyReplays,
            Col::OauthStates,
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// One-time `state` nonces of `/auth`, consumed by `/auth/callback`.
fn oauth_states() -> TableCreateStatement {
    Table::create()
        .table(Col::OauthStates)
        .if_not_exists()
        .col(string(Col::Nonce).primary_key())
        .col(string(Col::ShopDomain))
        .col(timestamp_with_time_zone(Col::CreatedAt))
        .col(timestamp_with_time_zone(Col::ExpiresAt))
        .col(timestamp_with_time_zone_null(Col::UsedAt))
        .to_owned()
}

/// App-proxy signatures seen within the freshness window (replay guard across processes).
fn app_proxy_replays() -> TableCreateStatement {
    Table::create()
        .table(Col::AppProxyReplays)
        .if_not_exists()
        .col(string(Col::Signature).primary_key())
        .col(string(Col::ShopDomain))
        .col(timestamp_with_time_zone(Col::ExpiresAt))
        .to_owned()
}

/// Exports answering `customers/data_request`.
fn data_exports() -> TableCreateStatement {
    Table::create()
        .table(Col::DataExports)
        .if_not_exists()
        .col(big_pk_auto(Col::Id))
        .col(big_integer(Col::ShopId))
        .col(big_integer_null(Col::CustomerId))
        .col(string_null(Col::DataRequestId))
        .col(string(Col::WebhookId))
        .col(json(Col::Export))
        .col(timestamp_with_time_zone(Col::CreatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Col::DataExports, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

/// At most one token refresh per shop at a time (refresh tokens rotate on use).
fn token_refresh_locks() -> TableCreateStatement {
    Table::create()
        .table(Col::TokenRefreshLocks)
        .if_not_exists()
        .col(big_integer(Col::ShopId).primary_key())
        .col(string(Col::Holder))
        .col(timestamp_with_time_zone(Col::LockedUntil))
        .foreign_key(
            ForeignKey::create()
                .from(Col::TokenRefreshLocks, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    WebhookReceipts,
    Outcome,
    OauthStates,
    Nonce,
    ShopDomain,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    AppProxyReplays,
    Signature,
    DataExports,
    ShopId,
    CustomerId,
    DataRequestId,
    WebhookId,
    Export,
    TokenRefreshLocks,
    Holder,
    LockedUntil,
}
