//! Writing a batch of rows: upserts that never let an older snapshot overwrite a newer row,
//! and insert-once for immutable facts (orders); how each table's rows are sent is
//! [`super::insert`]'s business.

use entity::{
    category, collection, inventory, order, order_line, product, product_collection, variant,
};
use sea_orm::sea_query::{Expr, OnConflict, SimpleExpr};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait};

use super::insert::insert_rows;
use super::rows::RowBatch;

/// What a batch's source carries: a partial source never erases fields it does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    /// A bulk snapshot: every field the catalog holds.
    Snapshot,
    /// A product or collection webhook payload: no brand metafield, no attribute metafield
    /// and no unit costs (those live on inventory items), so those columns keep their values.
    ProductWebhook,
}

/// Upserts a batch, updating only the columns its `coverage` carries; every upsert of a row
/// with a source time is newer-wins.
pub(crate) async fn write_rows(
    conn: &impl ConnectionTrait,
    batch: RowBatch,
    coverage: Coverage,
) -> Result<(), DbErr> {
    use category::Column as Cat;
    use collection::Column as Coll;
    use product::Column as P;
    use variant::Column as V;
    upsert(
        conn,
        batch.categories.into_values(),
        [Cat::ShopId, Cat::Id],
        &[Cat::Name, Cat::ParentId, Cat::FullPath, Cat::Depth],
        None,
    )
    .await?;
    upsert(
        conn,
        batch.products.into_values(),
        [P::ShopId, P::Id],
        &product_columns(coverage),
        Some("products"),
    )
    .await?;
    upsert(
        conn,
        batch.variants.into_values(),
        [V::ShopId, V::Id],
        &[
            V::ProductId,
            V::Title,
            V::Sku,
            V::Options,
            V::PriceMinor,
            V::CompareAtPriceMinor,
            V::Position,
            V::SourceUpdatedAt,
        ],
        Some("variants"),
    )
    .await?;
    let mut stock = on_conflict_update(
        [inventory::Column::ShopId, inventory::Column::VariantId],
        &stock_columns(coverage),
        Some("inventory"),
    );
    stock.value(inventory::Column::RestockedAt, restock_expr());
    insert_rows(conn, batch.inventory.into_values().collect(), stock).await?;
    upsert(
        conn,
        batch.collections.into_values(),
        [Coll::ShopId, Coll::Id],
        &[Coll::Handle, Coll::Title, Coll::SourceUpdatedAt],
        Some("collections"),
    )
    .await?;
    let memberships = batch.memberships.into_values();
    upsert(
        conn,
        memberships,
        [
            product_collection::Column::ShopId,
            product_collection::Column::CollectionId,
            product_collection::Column::ProductId,
        ],
        &[product_collection::Column::Position],
        None,
    )
    .await?;
    insert_once(
        conn,
        batch.orders.into_values(),
        [order::Column::ShopId, order::Column::Id],
    )
    .await?;
    insert_once(
        conn,
        batch.order_lines.into_values(),
        [
            order_line::Column::ShopId,
            order_line::Column::OrderId,
            order_line::Column::LineNo,
        ],
    )
    .await
}

/// The inventory columns a source of `coverage` may overwrite.
fn stock_columns(coverage: Coverage) -> Vec<inventory::Column> {
    use inventory::Column as Inv;
    let mut columns = vec![
        Inv::InventoryItemId,
        Inv::Available,
        Inv::UpdatedAt,
        Inv::SourceUpdatedAt,
    ];
    if coverage == Coverage::Snapshot {
        columns.push(Inv::UnitCostMinor);
    }
    columns
}

/// The product columns a source of `coverage` may overwrite.
fn product_columns(coverage: Coverage) -> Vec<product::Column> {
    use product::Column as P;
    let mut columns = vec![
        P::Handle,
        P::Title,
        P::Description,
        P::ProductType,
        P::Vendor,
        P::CategoryId,
        P::Tags,
        P::Status,
        P::ImageUrl,
        P::PublishedAt,
        P::SourceUpdatedAt,
        P::DeletedAt,
    ];
    if coverage == Coverage::Snapshot {
        columns.extend([P::Brand, P::Attributes]);
    }
    columns
}

/// Inserts rows that are immutable facts: the first version stored wins (an order from a
/// webhook and the same order from a bulk result are one order).
async fn insert_once<A, I, const N: usize>(
    conn: &impl ConnectionTrait,
    rows: I,
    key: [<A::Entity as EntityTrait>::Column; N],
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    I: IntoIterator<Item = A>,
{
    let on_conflict = OnConflict::columns(key).do_nothing().to_owned();
    insert_rows(conn, rows.into_iter().collect(), on_conflict).await
}

/// Inserts rows, updating `update` columns on key conflicts. With `newer_only` (a table name),
/// a row only replaces one whose `source_updated_at` is not newer (or unknown), so a late
/// snapshot never overwrites a fresher webhook update, nor a late webhook a fresher snapshot.
async fn upsert<A, I, const N: usize>(
    conn: &impl ConnectionTrait,
    rows: I,
    key: [<A::Entity as EntityTrait>::Column; N],
    update: &[<A::Entity as EntityTrait>::Column],
    newer_only: Option<&str>,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    I: IntoIterator<Item = A>,
{
    let on_conflict = on_conflict_update(key, update, newer_only);
    insert_rows(conn, rows.into_iter().collect(), on_conflict).await
}

/// The conflict clause of [`upsert`].
fn on_conflict_update<C: ColumnTrait, const N: usize>(
    key: [C; N],
    update: &[C],
    newer_only: Option<&str>,
) -> OnConflict {
    let mut on_conflict = OnConflict::columns(key);
    on_conflict.update_columns(update.iter().copied());
    if let Some(table) = newer_only {
        on_conflict.action_and_where(Expr::cust(format!(
            "(\"{table}\".\"source_updated_at\" IS NULL \
             OR \"{table}\".\"source_updated_at\" <= \"excluded\".\"source_updated_at\")"
        )));
    }
    on_conflict
}

/// `restocked_at` of an inventory upsert: the write's time when it brings stock to a variant
/// that had none, else unchanged (the back-in-stock feed reads it).
fn restock_expr() -> SimpleExpr {
    Expr::cust(
        "CASE WHEN \"inventory\".\"available\" <= 0 AND \"excluded\".\"available\" > 0 \
         THEN \"excluded\".\"updated_at\" ELSE \"inventory\".\"restocked_at\" END",
    )
}
