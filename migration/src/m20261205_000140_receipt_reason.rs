//! `webhook_receipts.reason`: why a receipt was `rejected` (a payload no retry can mend), so
//! an operator sees it on the receipt and not only in the job's log line. Values quoted from
//! the payload are left out of it: the receipt keeps no personal data.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

/// Adds the column.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000140_receipt_reason"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::WebhookReceipts)
                    .add_column(text_null(Col::Reason))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::WebhookReceipts)
                    .drop_column(Col::Reason)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    WebhookReceipts,
    Reason,
}
