//! The email holdout becomes measurable and editable, and refused rows stop being retried
//! forever (issue #17's gaps).
//!
//! - `email_push_states.assigned_at`: when the profile entered its current arm, so the
//!   holdout comparison counts only what happened since (backfilled with `looked_up_at`,
//!   when the push first met the profile).
//! - `email_push_states.failed_hash` and `failed_at`: the content Klaviyo last refused for
//!   the profile and when; a row refused often enough is skipped until its content changes,
//!   and the merchant sees the latest refusals.
//! - `klaviyo_accounts.settings_version`: bumped by every save of the email settings, so two
//!   merchants editing at once cannot overwrite each other silently.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, text_null, timestamp_with_time_zone_null};

/// Adds the columns.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000260_email_holdout"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let states = [
            timestamp_with_time_zone_null(Col::AssignedAt),
            text_null(Col::FailedHash),
            timestamp_with_time_zone_null(Col::FailedAt),
        ];
        for column in states {
            add(manager, Col::EmailPushStates, column).await?;
        }
        let version = big_integer(Col::SettingsVersion).default(0).to_owned();
        add(manager, Col::KlaviyoAccounts, version).await?;
        let backfill = Query::update()
            .table(Col::EmailPushStates)
            .value(Col::AssignedAt, Expr::col(Col::LookedUpAt))
            .to_owned();
        manager.exec_stmt(backfill).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Col::AssignedAt, Col::FailedHash, Col::FailedAt] {
            remove(manager, Col::EmailPushStates, column).await?;
        }
        remove(manager, Col::KlaviyoAccounts, Col::SettingsVersion).await
    }
}

async fn add(manager: &SchemaManager<'_>, table: Col, column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

async fn remove(manager: &SchemaManager<'_>, table: Col, column: Col) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    EmailPushStates,
    KlaviyoAccounts,
    AssignedAt,
    LookedUpAt,
    FailedHash,
    FailedAt,
    SettingsVersion,
}
