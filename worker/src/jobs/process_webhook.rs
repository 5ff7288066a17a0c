//! `process_webhook`: act on a verified, stored webhook delivery.

use chrono::{Duration, Utc};
use entity::{shop, webhook_receipt};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use services::sync::SyncError;
use services::sync::webhooks::{self, Applied, WebhookTarget};
use services::topic::Topic;
use services::{compliance, receipts};

use super::precompute_product::PrecomputeProduct;
use super::purge_shop::PurgeShop;
use crate::job::{Job, JobContext, JobError};
use crate::queue::JobQueue;

/// Processes the stored webhook `webhook_id` (the receipt holds topic, shop and payload).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessWebhook {
    /// `X-Shopify-Webhook-Id`, the receipt's key.
    pub webhook_id: String,
}

impl Job for ProcessWebhook {
    const NAME: &'static str = "process_webhook";
    const MAX_ATTEMPTS: usize = 8;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![self.webhook_id.clone()])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let db = &ctx.db.conn;
        let Some(receipt) = webhook_receipt::Entity::find_by_id(self.webhook_id.clone())
            .one(db)
            .await?
        else {
            return Err(JobError::permanent("webhook receipt not found"));
        };
        if receipt.processed_at.is_some() {
            return Ok(());
        }
        let shop = shop::Entity::find()
            .filter(shop::Column::Domain.eq(&receipt.shop_domain))
            .one(db)
            .await?;
        let outcome = match handle(&ctx, &receipt, shop).await {
            Ok(outcome) => outcome,
            // A delivery no retry can mend (a malformed payload) is done with: marked so, it
            // does not stay "unprocessed" forever.
            Err(err @ JobError::Permanent(_)) => {
                receipts::mark_rejected(db, &receipt.webhook_id, &err.to_string()).await?;
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        tracing::info!(topic = %receipt.topic, shop = %receipt.shop_domain, outcome, "webhook handled");
        receipts::mark_handled(db, &receipt.webhook_id, outcome).await?;
        Ok(())
    }
}

async fn handle(
    ctx: &JobContext,
    receipt: &webhook_receipt::Model,
    shop: Option<shop::Model>,
) -> Result<&'static str, JobError> {
    let db = &ctx.db.conn;
    let Some(topic) = Topic::parse(&receipt.topic) else {
        return Ok("ignored");
    };
    let compliance = topic.is_compliance();
    let Some(shop) = shop else {
        // Nothing stored for an unknown shop: compliance requests are satisfied trivially.
        return Ok(if compliance { "processed" } else { "ignored" });
    };
    let installed = shop.uninstalled_at.is_none();
    if !installed && !compliance {
        return Ok("ignored");
    }
    let payload = &receipt.payload;
    match topic {
        Topic::AppUninstalled => {
            let now = Utc::now();
            compliance::uninstall(db, shop.id, now).await?;
            let delay = ctx
                .shopify
                .as_ref()
                .map_or(48, |app| app.settings.uninstall_purge_delay_hours);
            let run_at = now + Duration::hours(i64::try_from(delay).unwrap_or(48));
            let purge = PurgeShop {
                shop_id: shop.id,
                uninstalled_at: now.timestamp(),
            };
            JobQueue::attached(&ctx.db)
                .push_at(purge, run_at)
                .await
                .map_err(JobError::transient)?;
        }
        Topic::ShopUpdate => update_shop(db, shop.id, payload).await?,
        Topic::CustomersDataRequest => {
            compliance::export_customer(
                db,
                shop.id,
                customer_id(payload),
                &ids(payload, "orders_requested"),
                payload
                    .pointer("/data_request/id")
                    .map(|id| id.to_string().trim_matches('"').to_owned()),
                &receipt.webhook_id,
            )
            .await?;
        }
        Topic::CustomersRedact => {
            compliance::redact_customer(
                db,
                shop.id,
                customer_id(payload),
                &ids(payload, "orders_to_redact"),
            )
            .await?;
        }
        Topic::ShopRedact => compliance::delete_shop(db, shop.id).await?,
        Topic::BulkOperationsFinish => return Ok(super::sync_catalog::on_bulk_finish(payload)),
        catalog => {
            let jobs = JobQueue::attached(&ctx.db);
            return apply_catalog_change(db, &jobs, catalog, receipt, &shop).await;
        }
    }
    Ok("processed")
}

/// Incremental catalog and order sync; a malformed payload is permanent, a database error
/// is retried.
async fn apply_catalog_change(
    db: &DatabaseConnection,
    jobs: &JobQueue,
    topic: Topic,
    receipt: &webhook_receipt::Model,
    shop: &shop::Model,
) -> Result<&'static str, JobError> {
    let target = WebhookTarget {
        shop_id: shop.id,
        currency_exponent: entity::domain::currency_exponent(&shop.currency),
        triggered_at: receipt.received_at,
    };
    match webhooks::apply(db, target, topic, &receipt.payload).await {
        Ok(Applied::Written) if topic.changes_a_product() => {
            refresh_product_lists(jobs, shop.id, receipt).await?;
            Ok("processed")
        }
        Ok(Applied::Written) => Ok("processed"),
        Ok(Applied::Skipped) => Ok("skipped"),
        Err(err @ (SyncError::Payload(_) | SyncError::Line(_))) => {
            Err(JobError::permanent_from(err))
        }
        Err(err) => Err(JobError::transient(err)),
    }
}

/// A changed product gets its own lists rebuilt (at the end of a short window, so a burst of
/// updates costs one rebuild).
async fn refresh_product_lists(
    jobs: &JobQueue,
    shop_id: i64,
    receipt: &webhook_receipt::Model,
) -> Result<(), JobError> {
    let Some(product_id) = receipt.payload.get("id").and_then(Value::as_i64) else {
        return Ok(());
    };
    let (job, run_at) = PrecomputeProduct::after_change(shop_id, product_id, Utc::now());
    jobs.push_at(job, run_at).await.map_err(JobError::transient)
}

fn customer_id(payload: &Value) -> Option<i64> {
    payload.pointer("/customer/id").and_then(Value::as_i64)
}

fn ids(payload: &Value, key: &str) -> Vec<i64> {
    payload
        .get(key)
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

async fn update_shop(
    db: &DatabaseConnection,
    shop_id: i64,
    payload: &Value,
) -> Result<(), JobError> {
    let mut update = shop::Entity::update_many()
        .col_expr(shop::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(shop::Column::Id.eq(shop_id));
    if let Some(name) = payload.get("name").and_then(Value::as_str) {
        update = update.col_expr(shop::Column::Name, Expr::value(name));
    }
    if let Some(currency) = payload.get("currency").and_then(Value::as_str) {
        update = update.col_expr(shop::Column::Currency, Expr::value(currency));
    }
    if let Some(plan) = payload
        .get("plan_name")
        .or_else(|| payload.get("plan_display_name"))
        .and_then(Value::as_str)
    {
        update = update.col_expr(shop::Column::Plan, Expr::value(Some(plan)));
    }
    update.exec(db).await?;
    Ok(())
}
