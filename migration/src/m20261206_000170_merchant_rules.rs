//! Merchant rules and the admin's audit log.
//!
//! `merchant_rules`: one row per rule (key `shop_id, id`; ids count up per shop, so the
//! admin can say "rule 3"), the rule as a JSON document, a version for optimistic
//! concurrency, and a soft delete (a deleted rule keeps its row so that the version sum
//! serving compares still moves). `audit_log`: who changed what and when, with the document
//! before and after (key `shop_id, id`, read newest first through `shop_id, created_at`).
//! Neither has a foreign key: `compliance::delete_shop` removes their rows itself.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, json, json_null, string, timestamp_with_time_zone, timestamp_with_time_zone_null,
};

/// Creates `merchant_rules` and `audit_log`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000170_merchant_rules"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Col::MerchantRules)
                    .if_not_exists()
                    .col(big_integer(Col::ShopId))
                    .col(big_integer(Col::Id))
                    .col(big_integer(Col::Version))
                    .col(json(Col::Rule))
                    .col(timestamp_with_time_zone(Col::CreatedAt))
                    .col(timestamp_with_time_zone(Col::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Col::DeletedAt))
                    .primary_key(Index::create().col(Col::ShopId).col(Col::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Col::AuditLog)
                    .if_not_exists()
                    .col(big_integer(Col::ShopId))
                    .col(string(Col::Id))
                    .col(string(Col::Actor))
                    .col(string(Col::Action))
                    .col(string(Col::Subject))
                    .col(json_null(Col::Before))
                    .col(json_null(Col::After))
                    .col(timestamp_with_time_zone(Col::CreatedAt))
                    .primary_key(Index::create().col(Col::ShopId).col(Col::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_log_shop_created")
                    .table(Col::AuditLog)
                    .col(Col::ShopId)
                    .col(Col::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Col::AuditLog).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Col::MerchantRules).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    MerchantRules,
    AuditLog,
    ShopId,
    Id,
    Version,
    Rule,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
    Actor,
    Action,
    Subject,
    Before,
    After,
}
