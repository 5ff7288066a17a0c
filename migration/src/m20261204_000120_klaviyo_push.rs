//! Klaviyo email push (issue #17).
//!
//! - `klaviyo_accounts` gains what the merchant sees and what the push needs: connection
//!   `status`, Klaviyo's `account_id` (the key of the shared rate limiter), the counts of the
//!   last push, the last error and when it happened, and per-shop email `settings` (holdout
//!   share, list length). `last_synced_at` (already there) is the last successful push.
//! - `email_push_states`: one row per shop and Meander profile pushed (or looked up): the
//!   Klaviyo profile it maps to, the content hash last imported and last announced by a
//!   "Recommendations Ready" event, the holdout arm, and the last per-row error. It is what
//!   makes a push send only changed lists and never announce one twice.
//! - `klaviyo_rate_limits`: the shared rate limiter's state, one row per Klaviyo account,
//!   endpoint and window, so every worker process paces one account together.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, integer, json_null, string, string_null, text_null, timestamp_with_time_zone_null,
};

/// Adds the push columns, `email_push_states` and `klaviyo_rate_limits`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000120_klaviyo_push"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let columns = [
            string(Col::Status).default("connected").to_owned(),
            string_null(Col::AccountId),
            json_null(Col::LastPushCounts),
            text_null(Col::LastError),
            timestamp_with_time_zone_null(Col::LastErrorAt),
            json_null(Col::Settings),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::KlaviyoAccounts)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager.create_table(push_states()).await?;
        manager.create_table(rate_limits()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Col::KlaviyoRateLimits).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Col::EmailPushStates).to_owned())
            .await?;
        for column in [
            Col::Settings,
            Col::LastErrorAt,
            Col::LastError,
            Col::LastPushCounts,
            Col::AccountId,
            Col::Status,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Col::KlaviyoAccounts)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

fn push_states() -> TableCreateStatement {
    Table::create()
        .table(Col::EmailPushStates)
        .if_not_exists()
        .col(big_integer(Col::ShopId))
        .col(string(Col::ProfileKey))
        .col(string_null(Col::ExternalId))
        .col(string_null(Col::KlaviyoProfileId))
        .col(timestamp_with_time_zone_null(Col::LookedUpAt))
        .col(string(Col::Arm))
        .col(string_null(Col::ContentHash))
        .col(string_null(Col::EventHash))
        .col(string_null(Col::ListVersion))
        .col(string_null(Col::RecId))
        .col(timestamp_with_time_zone_null(Col::PushedAt))
        .col(text_null(Col::LastError))
        .col(integer(Col::FailedAttempts).default(0).to_owned())
        .primary_key(Index::create().col(Col::ShopId).col(Col::ProfileKey))
        .foreign_key(
            ForeignKey::create()
                .from(Col::EmailPushStates, Col::ShopId)
                .to(Col::Shops, Col::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn rate_limits() -> TableCreateStatement {
    Table::create()
        .table(Col::KlaviyoRateLimits)
        .if_not_exists()
        .col(string(Col::AccountKey))
        .col(string(Col::Endpoint))
        .col(big_integer(Col::PeriodMs))
        .col(big_integer(Col::TatUs))
        .primary_key(
            Index::create()
                .col(Col::AccountKey)
                .col(Col::Endpoint)
                .col(Col::PeriodMs),
        )
        .to_owned()
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Shops,
    Id,
    KlaviyoAccounts,
    Status,
    AccountId,
    LastPushCounts,
    LastError,
    LastErrorAt,
    Settings,
    EmailPushStates,
    ShopId,
    ProfileKey,
    ExternalId,
    KlaviyoProfileId,
    LookedUpAt,
    Arm,
    ContentHash,
    EventHash,
    ListVersion,
    RecId,
    PushedAt,
    FailedAttempts,
    KlaviyoRateLimits,
    AccountKey,
    Endpoint,
    PeriodMs,
    TatUs,
}
