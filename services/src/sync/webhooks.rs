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

/// A webhook payload parsed and mapped to rows, before anything is written: a malformed
/// payload is refused without opening a transaction, and the parsing can be exercised
/// (fuzzed) without a database.
pub struct Change(Parsed);

enum Parsed {
    /// Products with their variants, or collections: the bulk path's rows (boxed: the
    /// batch's maps dwarf the other variants).
    Rows(Box<RowBatch>),
    DeleteProduct(i64),
    Cost {
        inventory_item_id: i64,
        cost_minor: Option<i64>,
    },
    Level(InventoryLevelPayload),
    Order(order::ActiveModel, Vec<order_line::ActiveModel>),
    DeleteCollection(i64),
    /// Not a catalog change: the webhook job handles the topic itself.
    Nothing,
}

impl Change {
    /// Parses `payload` as `topic` for the shop of `target`.
    ///
    /// # Errors
    /// [`SyncError::Payload`] or [`SyncError::Line`] for a payload that does not have the
    /// fields, ids or amounts its topic needs (retrying cannot help).
    pub fn parse(target: WebhookTarget, topic: Topic, payload: &Value) -> Result<Self, SyncError> {
        let parsed = match topic {
            Topic::ProductsCreate | Topic::ProductsUpdate => {
                Parsed::Rows(Box::new(product_rows(target, parse(payload)?)?))
            }
            Topic::ProductsDelete => Parsed::DeleteProduct(parse::<IdPayload>(payload)?.id),
            Topic::InventoryItemsUpdate => {
                let item: InventoryItemPayload = parse(payload)?;
                let cost_minor = item
                    .cost
                    .as_deref()
                    .map(|text| money(text, target.currency_exponent))
                    .transpose()?;
                Parsed::Cost {
                    inventory_item_id: item.id,
                    cost_minor,
                }
            }
            Topic::InventoryLevelsUpdate => Parsed::Level(parse(payload)?),
            Topic::OrdersCreate => {
                let (order, lines) = order_rows(target, parse(payload)?)?;
                Parsed::Order(order, lines)
            }
            Topic::CollectionsCreate | Topic::CollectionsUpdate => {
                let mut batch = RowBatch::default();
                batch.add_collection(
                    target.shop_id,
                    parse::<CollectionPayload>(payload)?.into_line(),
                )?;
                Parsed::Rows(Box::new(batch))
            }
            Topic::CollectionsDelete => Parsed::DeleteCollection(parse::<IdPayload>(payload)?.id),
            Topic::AppUninstalled
            | Topic::ShopUpdate
            | Topic::BulkOperationsFinish
            | Topic::CustomersDataRequest
            | Topic::CustomersRedact
            | Topic::ShopRedact => Parsed::Nothing,
        };
        Ok(Self(parsed))
    }

    /// Whether applying it writes anything (`false` for topics the job handles itself).
    #[must_use]
    pub fn is_catalog_change(&self) -> bool {
        !matches!(self.0, Parsed::Nothing)
    }
}

/// Applies one webhook in one transaction.
///
/// # Errors
/// [`SyncError::Payload`] (or [`SyncError::Line`]) for a payload that does not parse
/// (retrying cannot help), [`SyncError::Database`] when a write fails (retry).
pub async fn apply(
    conn: &DatabaseConnection,
    target: WebhookTarget,
    topic: Topic,
    payload: &Value,
) -> Result<Applied, SyncError> {
    let change = Change::parse(target, topic, payload)?;
    // Other topics take no write lock: the job handles them itself.
    if !change.is_catalog_change() {
        return Ok(Applied::Skipped);
    }
    let txn = begin_write(conn).await?;
    let applied = match change.0 {
        Parsed::Rows(batch) => {
            write_rows(&txn, *batch, Coverage::ProductWebhook).await?;
            Applied::Written
        }
        Parsed::DeleteProduct(id) => delete_product(&txn, target, id).await?,
        Parsed::Cost {
            inventory_item_id,
            cost_minor,
        } => set_cost(&txn, target, inventory_item_id, cost_minor).await?,
        Parsed::Level(level) => set_level(&txn, target, level).await?,
        Parsed::Order(order, lines) => insert_order(&txn, order, lines).await?,
        Parsed::DeleteCollection(id) => delete_collection(&txn, target, id).await?,
        Parsed::Nothing => Applied::Skipped,
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

fn product_rows(target: WebhookTarget, payload: ProductPayload) -> Result<RowBatch, SyncError> {
    let (product, variants) = payload.into_lines();
    let mut batch = RowBatch::default();
    batch.add_product(target.shop_id, product)?;
    for variant in variants {
        let stock_at = variant.updated_at;
        batch.add_variant(target.shop_id, target.currency_exponent, variant, stock_at)?;
    }
    Ok(batch)
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
    inventory_item_id: i64,
    cost_minor: Option<i64>,
) -> Result<Applied, SyncError> {
    let result = inventory::Entity::update_many()
        .col_expr(inventory::Column::UnitCostMinor, Expr::value(cost_minor))
        .col_expr(inventory::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(inventory::Column::ShopId.eq(target.shop_id))
        .filter(inventory::Column::InventoryItemId.eq(inventory_item_id))
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

/// The order and its lines as rows; every amount must parse.
fn order_rows(
    target: WebhookTarget,
    payload: OrderPayload,
) -> Result<(order::ActiveModel, Vec<order_line::ActiveModel>), SyncError> {
    let shopper = shopper::from_note_attributes(&payload.note_attributes);
    let order = order::ActiveModel {
        shop_id: Set(target.shop_id),
        id: Set(payload.id),
        customer_id: Set(payload.customer.map(|c| c.id)),
        session_id: Set(shopper.session_id),
        anonymous_id: Set(shopper.anonymous_id),
        currency: Set(payload.currency),
        total_minor: Set(money(&payload.total_price, target.currency_exponent)?),
        placed_at: Set(payload.created_at),
    };
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
    Ok((order, lines))
}

/// Orders are immutable facts here: the first delivery wins, repeats change nothing.
async fn insert_order(
    conn: &impl ConnectionTrait,
    order: order::ActiveModel,
    lines: Vec<order_line::ActiveModel>,
) -> Result<Applied, SyncError> {
    let inserted = order::Entity::insert(order)
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
