//! Incremental catalog and order sync from webhooks: idempotent, and safe when deliveries
//! arrive late, twice or out of order (each write keeps the newer `updated_at`).

use chrono::{DateTime, Utc};
use common::database::begin_write;
use entity::{
    Money, collection, inventory, inventory_level, order, order_line, product, product_collection,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::SyncError;
use super::rest::{
    CollectionPayload, IdPayload, InventoryItemPayload, InventoryLevelPayload, OrderPayload,
    ProductPayload,
};
use super::rows::RowBatch;
use super::shopper;
use super::write::{Coverage, write_rows};
use crate::catalog::revision;
use crate::topic::Topic;

/// What a webhook did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Rows were written.
    Written,
    /// Nothing to do (a stale or repeated delivery, or not a catalog topic).
    Skipped,
}

impl Applied {
    /// `Written` when a statement touched rows, `Skipped` when it matched none.
    fn from_rows(rows: u64) -> Self {
        if rows > 0 {
            Self::Written
        } else {
            Self::Skipped
        }
    }
}

/// Where the webhook applies.
#[derive(Debug, Clone, Copy)]
pub struct WebhookTarget {
    /// Shop.
    pub shop_id: i64,
    /// Fractional digits of the shop currency.
    pub currency_exponent: u32,
    /// When Shopify triggered the delivery (`X-Shopify-Triggered-At`, else receipt time):
    /// the time of a deletion, whose payload carries no timestamp.
    pub triggered_at: DateTime<Utc>,
}

/// Applies one webhook in one transaction.
///
/// # Errors
/// [`SyncError::Payload`] for a payload that does not parse (retrying cannot help),
/// [`SyncError::Database`] when a write fails (retry).
pub async fn apply(
    conn: &DatabaseConnection,
    target: WebhookTarget,
    topic: Topic,
    payload: &Value,
) -> Result<Applied, SyncError> {
    let txn = begin_write(conn).await?;
    let applied = match topic {
        Topic::ProductsCreate | Topic::ProductsUpdate => {
            upsert_product(&txn, target, parse(payload)?).await?
        }
        Topic::ProductsDelete => {
            delete_product(&txn, target, parse::<IdPayload>(payload)?.id).await?
        }
        Topic::InventoryItemsUpdate => set_cost(&txn, target, parse(payload)?).await?,
        Topic::InventoryLevelsUpdate => set_level(&txn, target, parse(payload)?).await?,
        Topic::OrdersCreate => insert_order(&txn, target, parse(payload)?).await?,
        Topic::CollectionsCreate | Topic::CollectionsUpdate => {
            let mut batch = RowBatch::default();
            batch.add_collection(
                target.shop_id,
                parse::<CollectionPayload>(payload)?.into_line(),
            )?;
            write_rows(&txn, batch, Coverage::ProductWebhook).await?;
            Applied::Written
        }
        Topic::CollectionsDelete => {
            delete_collection(&txn, target, parse::<IdPayload>(payload)?.id).await?
        }
        // Not catalog changes: the webhook job handles them itself.
        Topic::AppUninstalled
        | Topic::ShopUpdate
        | Topic::BulkOperationsFinish
        | Topic::CustomersDataRequest
        | Topic::CustomersRedact
        | Topic::ShopRedact => Applied::Skipped,
    };
    if applied == Applied::Written {
        revision::bump(&txn, target.shop_id).await?;
    }
    txn.commit().await?;
    Ok(applied)
}

/// A payload amount in minor units; unparsable amounts make the payload malformed.
fn money(text: &str, exponent: u32) -> Result<i64, SyncError> {
    Money::parse_decimal(text, exponent)
        .map(Money::minor)
        .map_err(|err| SyncError::Payload(err.into()))
}

fn parse<T: DeserializeOwned>(payload: &Value) -> Result<T, SyncError> {
    T::deserialize(payload).map_err(|err| SyncError::Payload(err.into()))
}

async fn upsert_product(
    conn: &impl ConnectionTrait,
    target: WebhookTarget,
    payload: ProductPayload,
) -> Result<Applied, SyncError> {
    let (product, variants) = payload.into_lines();
    let mut batch = RowBatch::default();
    batch.add_product(target.shop_id, product)?;
    for variant in variants {
        let stock_at = variant.updated_at;
        batch.add_variant(target.shop_id, target.currency_exponent, variant, stock_at)?;
    }
    write_rows(conn, batch, Coverage::ProductWebhook).await?;
    Ok(Applied::Written)
}

/// Soft-deletes at the trigger time; the newer-only guard then refuses stale updates that
/// arrive after the deletion.
async fn delete_product(
    conn: &impl ConnectionTrait,
    target: WebhookTarget,
    id: i64,
) -> Result<Applied, SyncError> {
    let result = product::Entity::update_many()
        .col_expr(product::Column::DeletedAt, Expr::value(target.triggered_at))
        .col_expr(
            product::Column::SourceUpdatedAt,
            Expr::value(target.triggered_at),
        )
        .filter(product::Column::ShopId.eq(target.shop_id))
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::SourceUpdatedAt.lte(target.triggered_at))
        .exec(conn)
        .await?;
    Ok(Applied::from_rows(result.rows_affected))
}

async fn set_cost(
    conn: &impl ConnectionTrait,
    target: WebhookTarget,
    item: InventoryItemPayload,
) -> Result<Applied, SyncError> {
    let cost = item
        .cost
        .as_deref()
        .map(|text| money(text, target.currency_exponent))
        .transpose()?;
    let result = inventory::Entity::update_many()
        .col_expr(inventory::Column::UnitCostMinor, Expr::value(cost))
        .col_expr(inventory::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(inventory::Column::ShopId.eq(target.shop_id))
        .filter(inventory::Column::InventoryItemId.eq(item.id))
        .exec(conn)
        .await?;
    Ok(Applied::from_rows(result.rows_affected))
}

/// Stores the level at its location (newer wins), then sets the variant's stock to the sum
/// of its known levels.
async fn set_level(
    conn: &impl ConnectionTrait,
    target: WebhookTarget,
    level: InventoryLevelPayload,
) -> Result<Applied, SyncError> {
    let row = inventory_level::ActiveModel {
        shop_id: Set(target.shop_id),
        inventory_item_id: Set(level.inventory_item_id),
        location_id: Set(level.location_id),
        available: Set(level.available.unwrap_or(0)),
        source_updated_at: Set(level.updated_at),
    };
    let mut on_conflict = OnConflict::columns([
        inventory_level::Column::ShopId,
        inventory_level::Column::InventoryItemId,
        inventory_level::Column::LocationId,
    ]);
    on_conflict
        .update_columns([
            inventory_level::Column::Available,
            inventory_level::Column::SourceUpdatedAt,
        ])
        .action_and_where(Expr::cust(
            "\"inventory_levels\".\"source_updated_at\" <= \"excluded\".\"source_updated_at\"",
        ));
    inventory_level::Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(conn)
        .await?;
    let total: i64 = inventory_level::Entity::find()
        .filter(inventory_level::Column::ShopId.eq(target.shop_id))
        .filter(inventory_level::Column::InventoryItemId.eq(level.inventory_item_id))
        .all(conn)
        .await?
        .iter()
        .map(|l| l.available.max(0))
        .sum();
    // The level's time becomes the stock's: a product snapshot older than it cannot bring
    // back what this level says, and this level does not undo a newer snapshot.
    let now = Utc::now();
    inventory::Entity::update_many()
        .col_expr(inventory::Column::RestockedAt, restocked(total, now))
        .col_expr(inventory::Column::Available, Expr::value(total))
        .col_expr(inventory::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            inventory::Column::SourceUpdatedAt,
            Expr::value(Some(level.updated_at)),
        )
        .filter(inventory::Column::ShopId.eq(target.shop_id))
        .filter(inventory::Column::InventoryItemId.eq(level.inventory_item_id))
        .filter(
            Condition::any()
                .add(inventory::Column::SourceUpdatedAt.is_null())
                .add(inventory::Column::SourceUpdatedAt.lte(level.updated_at)),
        )
        .exec(conn)
        .await?;
    Ok(Applied::Written)
}

/// `restocked_at` after setting the stock to `total` at `now`: `now` when the variant had
/// none, else unchanged. (`SET` expressions read the row as it was before the update.)
fn restocked(total: i64, now: DateTime<Utc>) -> SimpleExpr {
    Expr::cust_with_values(
        "CASE WHEN \"available\" <= 0 AND $1 > 0 THEN $2 ELSE \"restocked_at\" END",
        [sea_orm::Value::from(total), sea_orm::Value::from(now)],
    )
}

/// Orders are immutable facts here: the first delivery wins, repeats change nothing.
async fn insert_order(
    conn: &impl ConnectionTrait,
    target: WebhookTarget,
    payload: OrderPayload,
) -> Result<Applied, SyncError> {
    let shopper = shopper::from_note_attributes(&payload.note_attributes);
    let row = order::ActiveModel {
        shop_id: Set(target.shop_id),
        id: Set(payload.id),
        customer_id: Set(payload.customer.map(|c| c.id)),
        session_id: Set(shopper.session_id),
        anonymous_id: Set(shopper.anonymous_id),
        currency: Set(payload.currency),
        total_minor: Set(money(&payload.total_price, target.currency_exponent)?),
        placed_at: Set(payload.created_at),
    };
    let inserted = order::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([order::Column::ShopId, order::Column::Id])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if inserted == 0 {
        return Ok(Applied::Skipped);
    }
    let mut lines = Vec::with_capacity(payload.line_items.len());
    for (line_no, item) in (1_i32..).zip(payload.line_items) {
        lines.push(order_line::ActiveModel {
            shop_id: Set(target.shop_id),
            order_id: Set(payload.id),
            line_no: Set(line_no),
            product_id: Set(item.product_id),
            variant_id: Set(item.variant_id),
            quantity: Set(item.quantity),
            price_minor: Set(money(&item.price, target.currency_exponent)?),
        });
    }
    if !lines.is_empty() {
        order_line::Entity::insert_many(lines)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(Applied::Written)
}

async fn delete_collection(
    conn: &impl ConnectionTrait,
    target: WebhookTarget,
    id: i64,
) -> Result<Applied, DbErr> {
    product_collection::Entity::delete_many()
        .filter(product_collection::Column::ShopId.eq(target.shop_id))
        .filter(product_collection::Column::CollectionId.eq(id))
        .exec(conn)
        .await?;
    let result = collection::Entity::delete_many()
        .filter(collection::Column::ShopId.eq(target.shop_id))
        .filter(collection::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(Applied::from_rows(result.rows_affected))
}
