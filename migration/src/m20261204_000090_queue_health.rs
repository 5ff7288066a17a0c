//! Work that reaches the queue without the request waiting for it, and queues that report
//! when they stop.
//!
//! - `webhook_receipts.queued_at`: the webhook ack is one insert of the verified receipt; a
//!   worker task queues the processing job later and marks the receipt queued. Receipts
//!   stored before this migration were queued by the ack itself.
//! - `worker_heartbeats.down_queues`: the queues a worker process has no running worker for
//!   (restarting after errors), so `/readyz` can tell a queue that stopped from a live one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{json_null, timestamp_with_time_zone_null};

/// Adds `webhook_receipts.queued_at` (with its index) and `worker_heartbeats.down_queues`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000090_queue_health"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::WebhookReceipts)
                    .add_column(timestamp_with_time_zone_null(Col::QueuedAt))
                    .to_owned(),
            )
            .await?;
        let queued_at_ack = Query::update()
            .table(Col::WebhookReceipts)
            .value(Col::QueuedAt, Expr::col(Col::ReceivedAt))
            .to_owned();
        manager.exec_stmt(queued_at_ack).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_receipts_queued")
                    .table(Col::WebhookReceipts)
                    .col(Col::QueuedAt)
                    .col(Col::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::WorkerHeartbeats)
                    .add_column(json_null(Col::DownQueues))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Col::WorkerHeartbeats)
                    .drop_column(Col::DownQueues)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_webhook_receipts_queued")
                    .table(Col::WebhookReceipts)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Col::WebhookReceipts)
                    .drop_column(Col::QueuedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    WebhookReceipts,
    QueuedAt,
    ReceivedAt,
    WorkerHeartbeats,
    DownQueues,
}
