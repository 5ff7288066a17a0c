//! Webhook receipts: the ack stores a verified delivery with one insert ([`store`]); a worker
//! task later queues the processing job for every receipt not yet queued ([`unqueued`],
//! [`mark_queued`]), so the sender never waits for the queue.
//!
//! Receipts keep what dedupe and replay need, and no personal data longer than the
//! work takes: once handled, a receipt's payload (emails, phones, addresses of `customers/*`
//! and `orders/create`) is dropped, unless its outcome hands it to another reader (a
//! `bulk_operations/finish` the waiting sync reads); `customers/redact` drops the payloads
//! of the customer's receipts still waiting ([`forget_customer`]) and `shop/redact` those of
//! all the shop's receipts ([`forget_shop`]); receipts older than the dedupe window are
//! removed every night.

use chrono::{DateTime, Duration, Utc};
use entity::{ShopDomain, shop, webhook_receipt};
use sea_orm::sea_query::{
    Expr, LockBehavior, LockType, OnConflict, Query, QueryStatementBuilder as _, SimpleExpr,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};

/// The outcome of a receipt whose payload a later handler still reads.
pub const DEFERRED: &str = "deferred";
/// The outcome of a receipt whose payload no retry can mend.
pub const REJECTED: &str = "rejected";
/// Longest reason kept on a rejected receipt.
const REASON_CHARS: usize = 500;
/// Days a receipt is kept for dedupe: Shopify retries a delivery for 48 hours, and a week
/// also covers a replay an operator asks for.
pub const DEDUPE_WINDOW_DAYS: i64 = 7;

/// A verified webhook delivery, as the ack stores it.
#[derive(Debug, Clone)]
pub struct Delivery<'a> {
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: &'a str,
    /// `X-Shopify-Shop-Domain`.
    pub shop: &'a ShopDomain,
    /// `X-Shopify-Topic`.
    pub topic: &'a str,
    /// The verified body.
    pub payload: serde_json::Value,
    /// When it was accepted.
    pub received_at: DateTime<Utc>,
}

/// Stores `delivery` unless its webhook id is already stored, in one statement (the shop's
/// id is looked up inside it); returns whether this was the first delivery.
///
/// # Errors
/// The database error.
pub async fn store(conn: &impl ConnectionTrait, delivery: Delivery<'_>) -> Result<bool, DbErr> {
    use webhook_receipt::Column;
    let shop_id = Query::select()
        .column(shop::Column::Id)
        .from(shop::Entity)
        .and_where(shop::Column::Domain.eq(delivery.shop.as_str()))
        .to_owned();
    let row = Query::select()
        .expr(Expr::val(delivery.webhook_id))
        .expr(SimpleExpr::SubQuery(
            None,
            Box::new(shop_id.into_sub_query_statement()),
        ))
        .expr(Expr::val(delivery.shop.as_str()))
        .expr(Expr::val(delivery.topic))
        .expr(Expr::val(delivery.payload))
        .expr(Expr::val(delivery.received_at))
        // SQLite reads `ON CONFLICT` after a bare `SELECT … FROM`-less row as a join clause
        // unless the select has a WHERE.
        .and_where(Expr::cust("1 = 1"))
        .to_owned();
    let insert = Query::insert()
        .into_table(webhook_receipt::Entity)
        .columns([
            Column::WebhookId,
            Column::ShopId,
            Column::ShopDomain,
            Column::Topic,
            Column::Payload,
            Column::ReceivedAt,
        ])
        .select_from(row)
        .map_err(|err| DbErr::Custom(format!("receipt insert: {err}")))?
        .on_conflict(
            OnConflict::column(Column::WebhookId)
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    let result = conn.execute(&insert).await?;
    Ok(result.rows_affected() == 1)
}

/// Up to `limit` ids of receipts whose processing job is not queued yet, oldest first. On
/// PostgreSQL the rows are locked (skipping rows another process holds) until the caller's
/// transaction ends, so two worker processes do not queue the same receipts.
///
/// # Errors
/// The database error.
pub async fn unqueued(conn: &impl ConnectionTrait, limit: usize) -> Result<Vec<String>, DbErr> {
    webhook_receipt::Entity::find()
        .select_only()
        .column(webhook_receipt::Column::WebhookId)
        .filter(webhook_receipt::Column::QueuedAt.is_null())
        .filter(webhook_receipt::Column::ProcessedAt.is_null())
        .order_by_asc(webhook_receipt::Column::ReceivedAt)
        .limit(u64::try_from(limit).unwrap_or(u64::MAX))
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .into_tuple()
        .all(conn)
        .await
}

/// Marks `webhook_ids` as queued now.
///
/// # Errors
/// The database error.
pub async fn mark_queued(conn: &impl ConnectionTrait, webhook_ids: &[String]) -> Result<(), DbErr> {
    webhook_receipt::Entity::update_many()
        .col_expr(
            webhook_receipt::Column::QueuedAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(webhook_receipt::Column::WebhookId.is_in(webhook_ids))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records how the receipt was handled; drops its payload unless `outcome` is [`DEFERRED`].
///
/// # Errors
/// The database error.
pub async fn mark_handled(
    conn: &impl ConnectionTrait,
    webhook_id: &str,
    outcome: &str,
) -> Result<(), DbErr> {
    finish(conn, webhook_id, outcome, None).await
}

/// Marks the receipt [`REJECTED`] (a payload no retry can mend) with `reason`, from which the
/// values it quotes (read from the payload, so possibly personal data) are left out; drops
/// its payload.
///
/// # Errors
/// The database error.
pub async fn mark_rejected(
    conn: &impl ConnectionTrait,
    webhook_id: &str,
    reason: &str,
) -> Result<(), DbErr> {
    finish(conn, webhook_id, REJECTED, Some(without_values(reason))).await
}

async fn finish(
    conn: &impl ConnectionTrait,
    webhook_id: &str,
    outcome: &str,
    reason: Option<String>,
) -> Result<(), DbErr> {
    let mut update = webhook_receipt::Entity::update_many()
        .col_expr(
            webhook_receipt::Column::ProcessedAt,
            Expr::value(Some(Utc::now())),
        )
        .col_expr(webhook_receipt::Column::Outcome, Expr::value(Some(outcome)))
        .col_expr(webhook_receipt::Column::Reason, Expr::value(reason))
        .filter(webhook_receipt::Column::WebhookId.eq(webhook_id));
    if outcome != DEFERRED {
        update = update.col_expr(webhook_receipt::Column::Payload, Expr::value(json!({})));
    }
    update.exec(conn).await?;
    Ok(())
}

/// `message` cut to [`REASON_CHARS`], with every value it quotes replaced by `…`: serde
/// quotes a string it read in `"…"`, and a number or character in backticks, where it also
/// names fields and variants (identifiers, kept).
fn without_values(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(start) = rest.find(['"', '`']) {
        out.push_str(&rest[..start]);
        let quote = &rest[start..=start];
        let after = &rest[start + 1..];
        let Some(len) = after.find(quote) else {
            rest = "";
            out.push('…');
            break;
        };
        let quoted = &after[..len];
        let identifier = quote == "`"
            && quoted.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && quoted
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if identifier {
            out.push_str(&rest[start..start + len + 2]);
        } else {
            out.push('…');
        }
        rest = &after[len + 1..];
    }
    out.push_str(rest);
    out.chars().take(REASON_CHARS).collect()
}

/// Drops the payloads of `shop_id`'s receipts not handled yet (a job still to run, or one
/// that ran out of attempts) that carry a customer's data: orders of the customer, or the
/// orders `customers/redact` names. A job that runs later finds no payload and rejects the
/// receipt, so a redacted customer's order cannot come back through it.
///
/// # Errors
/// The database error.
pub async fn forget_customer(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    customer_id: Option<i64>,
    orders: &[i64],
) -> Result<(), DbErr> {
    use webhook_receipt::Column;
    let pending: Vec<(String, String, Value)> = webhook_receipt::Entity::find()
        .select_only()
        .columns([Column::WebhookId, Column::Topic, Column::Payload])
        .filter(Column::ShopId.eq(shop_id))
        .filter(Column::ProcessedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    let theirs: Vec<String> = pending
        .into_iter()
        .filter(|(_, topic, payload)| concerns(topic, payload, customer_id, orders))
        .map(|(webhook_id, _, _)| webhook_id)
        .collect();
    if theirs.is_empty() {
        return Ok(());
    }
    blank(conn, Condition::all().add(Column::WebhookId.is_in(theirs))).await
}

/// Whether a receipt's payload holds data of the customer or of one of `orders`.
fn concerns(topic: &str, payload: &Value, customer_id: Option<i64>, orders: &[i64]) -> bool {
    let customer = payload.pointer("/customer/id").and_then(Value::as_i64);
    let order = topic
        .starts_with("orders/")
        .then(|| payload.get("id").and_then(Value::as_i64))
        .flatten();
    (customer.is_some() && customer == customer_id) || order.is_some_and(|id| orders.contains(&id))
}

/// Drops the payloads of every receipt of the shop, those stored before it was known (by
/// domain) included, for `shop/redact`: the rows stay, for dedupe.
///
/// # Errors
/// The database error.
pub async fn forget_shop(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    domain: &str,
) -> Result<(), DbErr> {
    let theirs = Condition::any()
        .add(webhook_receipt::Column::ShopId.eq(shop_id))
        .add(webhook_receipt::Column::ShopDomain.eq(domain));
    blank(conn, theirs).await
}

/// Replaces the payload of the receipts `which` selects with `{}`.
async fn blank(conn: &impl ConnectionTrait, which: Condition) -> Result<(), DbErr> {
    webhook_receipt::Entity::update_many()
        .col_expr(webhook_receipt::Column::Payload, Expr::value(json!({})))
        .filter(which)
        .exec(conn)
        .await?;
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

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn a_reason_keeps_field_names_and_loses_the_payloads_values() {
        assert_eq!(
            without_values(
                "webhook payload: invalid type: string \"jo@example.com\", expected i64"
            ),
            "webhook payload: invalid type: string …, expected i64"
        );
        assert_eq!(
            without_values("invalid type: integer `15550100`, expected a string"),
            "invalid type: integer …, expected a string"
        );
        assert_eq!(
            without_values("missing field `title`"),
            "missing field `title`"
        );
        assert_eq!(without_values("unclosed \"jo@exa"), "unclosed …");
    }
}
