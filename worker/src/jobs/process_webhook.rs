//! `process_webhook`: act on a verified, stored webhook delivery.

use chrono::{Duration, Utc};
use entity::{shop, webhook_receipt};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sync::SyncError;
use crate::sync::webhooks::{self, Applied, WebhookTarget};

use super::{Job, JobContext, JobError, PrecomputeProduct, PurgeShop};
use crate::compliance;
use crate::queue::JobQueue;

/// What Meander does with a webhook topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    /// `app/uninstalled`: revoke, stop work, schedule deletion.
    Uninstalled,
    /// `shop/update`: name, currency, plan.
    ShopUpdate,
    /// `customers/data_request` (compliance): export.
    DataRequest,
    /// `customers/redact` (compliance): delete the customer's data.
    CustomerRedact,
    /// `shop/redact` (compliance): delete the shop.
    ShopRedact,
    /// Catalog and order topics: stored now, handled by catalog sync (a later issue).
    Deferred,
    /// Anything else: acknowledged and ignored.
    Unknown,
}

/// Every topic Meander subscribes to (the list `shopify.app.toml` must match).
pub const SUBSCRIBED_TOPICS: &[&str] = &[
    "app/uninstalled",
    "shop/update",
    "products/create",
    "products/update",
    "products/delete",
    "inventory_levels/update",
    "inventory_items/update",
    "orders/create",
    "collections/create",
    "collections/update",
    "collections/delete",
    "bulk_operations/finish",
];

/// The mandatory compliance topics.
pub const COMPLIANCE_TOPICS: &[&str] =
    &["customers/data_request", "customers/redact", "shop/redact"];

/// Classifies a topic.
#[must_use]
pub fn classify(topic: &str) -> TopicKind {
    match topic {
        "app/uninstalled" => TopicKind::Uninstalled,
        "shop/update" => TopicKind::ShopUpdate,
        "customers/data_request" => TopicKind::DataRequest,
        "customers/redact" => TopicKind::CustomerRedact,
        "shop/redact" => TopicKind::ShopRedact,
        t if SUBSCRIBED_TOPICS.contains(&t) => TopicKind::Deferred,
        _ => TopicKind::Unknown,
    }
}

/// Processes the stored webhook `webhook_id` (the receipt holds topic, shop and payload).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessWebhook {
    /// `X-Shopify-Webhook-Id`, the receipt's key.
    pub webhook_id: String,
}

impl Job for ProcessWebhook {
    const NAME: &'static str = "process_webhook";
    const MAX_ATTEMPTS: usize = 8;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("webhook:{}", self.webhook_id))
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let db = &ctx.db.conn;
        let Some(receipt) = webhook_receipt::Entity::find_by_id(self.webhook_id.clone())
            .one(db)
            .await?
        else {
            return Err(JobError::Permanent("webhook receipt not found".into()));
        };
        if receipt.processed_at.is_some() {
            return Ok(());
        }
        let shop = shop::Entity::find()
            .filter(shop::Column::Domain.eq(&receipt.shop_domain))
            .one(db)
            .await?;
        let outcome = handle(&ctx, &receipt, shop).await?;
        tracing::info!(topic = %receipt.topic, shop = %receipt.shop_domain, outcome, "webhook handled");
        mark(db, &receipt.webhook_id, outcome).await?;
        Ok(())
    }
}

async fn handle(
    ctx: &JobContext,
    receipt: &webhook_receipt::Model,
    shop: Option<shop::Model>,
) -> Result<&'static str, JobError> {
    let db = &ctx.db.conn;
    let kind = classify(&receipt.topic);
    let compliance = matches!(
        kind,
        TopicKind::DataRequest | TopicKind::CustomerRedact | TopicKind::ShopRedact
    );
    let Some(shop) = shop else {
        // Nothing stored for an unknown shop: compliance requests are satisfied trivially.
        return Ok(if compliance { "processed" } else { "ignored" });
    };
    let installed = shop.uninstalled_at.is_none();
    if !installed && !compliance {
        return Ok("ignored");
    }
    let payload = &receipt.payload;
    match kind {
        TopicKind::Uninstalled => {
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
                .map_err(|err| JobError::Transient(err.to_string()))?;
        }
        TopicKind::ShopUpdate => update_shop(db, shop.id, payload).await?,
        TopicKind::DataRequest => {
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
        TopicKind::CustomerRedact => {
            compliance::redact_customer(
                db,
                shop.id,
                customer_id(payload),
                &ids(payload, "orders_to_redact"),
            )
            .await?;
        }
        TopicKind::ShopRedact => compliance::delete_shop(db, shop.id).await?,
        TopicKind::Deferred if webhooks::TOPICS.contains(&receipt.topic.as_str()) => {
            let jobs = JobQueue::attached(&ctx.db);
            return apply_catalog_change(db, &jobs, receipt, &shop).await;
        }
        TopicKind::Deferred => return Ok(super::sync_catalog::on_bulk_finish(payload)),
        TopicKind::Unknown => return Ok("ignored"),
    }
    Ok("processed")
}

/// Incremental catalog and order sync; a malformed payload is permanent, a database error
/// is retried.
async fn apply_catalog_change(
    db: &DatabaseConnection,
    jobs: &JobQueue,
    receipt: &webhook_receipt::Model,
    shop: &shop::Model,
) -> Result<&'static str, JobError> {
    let target = WebhookTarget {
        shop_id: shop.id,
        currency_exponent: entity::domain::currency_exponent(&shop.currency),
        triggered_at: receipt.received_at,
    };
    match webhooks::apply(db, target, &receipt.topic, &receipt.payload).await {
        Ok(Applied::Written) => {
            refresh_product_lists(jobs, shop.id, receipt).await?;
            Ok("processed")
        }
        Ok(Applied::Skipped) => Ok("skipped"),
        Err(err @ (SyncError::Payload(_) | SyncError::Line(_))) => {
            Err(JobError::Permanent(err.to_string()))
        }
        Err(err) => Err(JobError::Transient(err.to_string())),
    }
}

/// A changed product gets its own lists rebuilt (at the end of a short window, so a burst of
/// updates costs one rebuild).
async fn refresh_product_lists(
    jobs: &JobQueue,
    shop_id: i64,
    receipt: &webhook_receipt::Model,
) -> Result<(), JobError> {
    let product_id = receipt.payload.get("id").and_then(Value::as_i64);
    let (true, Some(product_id)) = (receipt.topic.starts_with("products/"), product_id) else {
        return Ok(());
    };
    let (job, run_at) = PrecomputeProduct::after_change(shop_id, product_id, Utc::now());
    jobs.push_at(job, run_at)
        .await
        .map_err(|err| JobError::Transient(err.to_string()))
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

async fn mark(db: &DatabaseConnection, webhook_id: &str, outcome: &str) -> Result<(), JobError> {
    webhook_receipt::Entity::update_many()
        .col_expr(
            webhook_receipt::Column::ProcessedAt,
            Expr::value(Some(Utc::now())),
        )
        .col_expr(webhook_receipt::Column::Outcome, Expr::value(Some(outcome)))
        .filter(webhook_receipt::Column::WebhookId.eq(webhook_id))
        .exec(db)
        .await?;
    Ok(())
}
