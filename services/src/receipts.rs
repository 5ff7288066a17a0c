//! Webhook receipts keep what dedupe and replay need, and no personal data longer than the
//! work takes: once handled, a receipt's payload (emails, phones, addresses of `customers/*`
//! and `orders/create`) is dropped, unless its outcome hands it to another reader (a
//! `bulk_operations/finish` the waiting sync reads); receipts older than the dedupe window
//! are removed every night.

use chrono::{DateTime, Duration, Utc};
use entity::webhook_receipt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;

/// The outcome of a receipt whose payload a later handler still reads.
pub const DEFERRED: &str = "deferred";
/// Days a receipt is kept for dedupe: Shopify retries a delivery for 48 hours, and a week
/// also covers a replay an operator asks for.
pub const DEDUPE_WINDOW_DAYS: i64 = 7;

/// Records how the receipt was handled; drops its payload unless `outcome` is [`DEFERRED`].
///
/// # Errors
/// The database error.
pub async fn mark_handled(
    conn: &impl ConnectionTrait,
    webhook_id: &str,
    outcome: &str,
) -> Result<(), DbErr> {
    let mut update = webhook_receipt::Entity::update_many()
        .col_expr(
            webhook_receipt::Column::ProcessedAt,
            Expr::value(Some(Utc::now())),
        )
        .col_expr(webhook_receipt::Column::Outcome, Expr::value(Some(outcome)))
        .filter(webhook_receipt::Column::WebhookId.eq(webhook_id));
    if outcome != DEFERRED {
        update = update.col_expr(webhook_receipt::Column::Payload, Expr::value(json!({})));
    }
    update.exec(conn).await?;
    Ok(())
}

/// When receipts received before it may go, for a nightly run at `now`.
#[must_use]
pub fn dedupe_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(DEDUPE_WINDOW_DAYS)
}

/// Removes the receipts of `shop_id`, and of shops unknown to us, received before `before`;
/// returns how many.
///
/// # Errors
/// The database error.
pub async fn prune(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let owner = Condition::any()
        .add(webhook_receipt::Column::ShopId.eq(shop_id))
        .add(webhook_receipt::Column::ShopId.is_null());
    let removed = webhook_receipt::Entity::delete_many()
        .filter(owner)
        .filter(webhook_receipt::Column::ReceivedAt.lt(before))
        .exec(conn)
        .await?;
    Ok(removed.rows_affected)
}
