//! Streaming ingest of a bulk-operation JSONL result: line by line (never the whole file in
//! memory), in batches that each commit together with the resume cursor, so a crash resumes
//! after the last committed batch and a batch is never half-applied.

use chrono::Utc;
use entity::{category, collection, inventory, product, product_collection, sync_run, variant};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    TransactionTrait,
};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::SyncError;
use super::records::{Line, parse_line};
use super::rows::RowBatch;

/// Lines per committed batch.
pub const DEFAULT_BATCH_LINES: u64 = 1_000;
/// Longest line accepted; a longer one is skipped (a product line is a few KiB at most).
const MAX_LINE_BYTES: usize = 1 << 20;

/// What one ingest did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Lines read in this run (after the resume point).
    pub lines: u64,
    /// Lines turned into rows.
    pub applied: u64,
    /// Lines skipped as malformed (logged with their line number).
    pub skipped: u64,
    /// Lines of types this sync does not use.
    pub ignored: u64,
    /// Line number this run resumed after.
    pub resumed_after: u64,
}

/// Where and how to ingest.
#[derive(Debug, Clone, Copy)]
pub struct BulkTarget {
    /// Shop the rows belong to.
    pub shop_id: i64,
    /// `sync_runs` row holding the cursor.
    pub sync_run_id: i64,
    /// Fractional digits of the shop currency (2 for USD).
    pub currency_exponent: u32,
    /// Lines per committed batch.
    pub batch_lines: u64,
}

/// Ingests `reader` into the catalog tables, resuming after the cursor of the sync run.
///
/// # Errors
/// [`SyncError`] when reading or writing fails; committed batches stay, and the next run
/// resumes after them.
pub async fn ingest<R>(
    conn: &DatabaseConnection,
    target: BulkTarget,
    reader: R,
) -> Result<IngestReport, SyncError>
where
    R: AsyncBufRead + Unpin,
{
    let run = sync_run::Entity::find_by_id(target.sync_run_id)
        .one(conn)
        .await?
        .ok_or(SyncError::MissingRun(target.sync_run_id))?;
    let resume_after: u64 = run
        .cursor
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut report = IngestReport {
        resumed_after: resume_after,
        ..IngestReport::default()
    };
    let mut batch = RowBatch::default();
    let mut reader = reader;
    let mut buffer = Vec::new();
    let mut number = 0_u64;
    let mut position = 0_i32;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer).await? == 0 {
            break;
        }
        number += 1;
        if number <= resume_after {
            continue;
        }
        report.lines += 1;
        batch.lines += 1;
        position = position.saturating_add(1);
        // Invalid UTF-8 is one bad line, not a failed sync.
        let text = String::from_utf8_lossy(&buffer);
        apply_line(
            &mut batch,
            &mut report,
            target,
            text.trim_end(),
            number,
            position,
        );
        if batch.lines >= target.batch_lines {
            flush(conn, target.sync_run_id, std::mem::take(&mut batch), number).await?;
        }
    }
    flush(conn, target.sync_run_id, batch, number).await?;
    Ok(report)
}

fn apply_line(
    batch: &mut RowBatch,
    report: &mut IngestReport,
    target: BulkTarget,
    text: &str,
    number: u64,
    position: i32,
) {
    if text.trim().is_empty() {
        report.ignored += 1;
        return;
    }
    let applied = if text.len() > MAX_LINE_BYTES {
        Err(super::records::LineError::Malformed("line too long".into()))
    } else {
        parse_line(text).and_then(|line| match line {
            Line::Product(p) => batch.add_product(target.shop_id, *p).map(|()| true),
            Line::Variant(v) => batch
                .add_variant(target.shop_id, target.currency_exponent, *v, Utc::now())
                .map(|()| true),
            Line::Collection(c) => batch.add_collection(target.shop_id, c).map(|()| true),
            Line::Membership {
                collection_id,
                product_id,
            } => {
                batch.add_membership(target.shop_id, collection_id, product_id, position);
                Ok(true)
            }
            Line::Other => Ok(false),
        })
    };
    match applied {
        Ok(true) => report.applied += 1,
        Ok(false) => report.ignored += 1,
        Err(err) => {
            report.skipped += 1;
            tracing::warn!(line = number, %err, "skipped bulk line");
        }
    }
}

/// Writes a batch and advances the cursor in one transaction.
async fn flush(
    conn: &DatabaseConnection,
    run_id: i64,
    batch: RowBatch,
    cursor: u64,
) -> Result<(), DbErr> {
    if batch.lines == 0 {
        return Ok(());
    }
    let txn = conn.begin().await?;
    let rows = i64::try_from(batch.rows()).unwrap_or(i64::MAX);
    write_rows(&txn, batch, true).await?;
    let run = sync_run::Entity::find_by_id(run_id).one(&txn).await?;
    if let Some(run) = run {
        let rows_done = run.rows_done.saturating_add(rows);
        let mut run = run.into_active_model();
        run.cursor = Set(Some(cursor.to_string()));
        run.rows_done = Set(rows_done);
        run.update(&txn).await?;
    }
    txn.commit().await
}

/// Upserts a batch. `costs` says whether the batch carries unit costs: a product webhook does
/// not (costs live on inventory items), so it must not overwrite known costs with unknown.
pub(super) async fn write_rows(
    conn: &impl ConnectionTrait,
    batch: RowBatch,
    costs: bool,
) -> Result<(), DbErr> {
    use category::Column as Cat;
    use collection::Column as Coll;
    use inventory::Column as Inv;
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
        &[
            P::Handle,
            P::Title,
            P::Description,
            P::ProductType,
            P::Vendor,
            P::Brand,
            P::CategoryId,
            P::Tags,
            P::Attributes,
            P::Status,
            P::ImageUrl,
            P::PublishedAt,
            P::SourceUpdatedAt,
            P::DeletedAt,
        ],
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
    let stock_columns: &[Inv] = if costs {
        &[
            Inv::InventoryItemId,
            Inv::Available,
            Inv::UnitCostMinor,
            Inv::UpdatedAt,
        ]
    } else {
        &[Inv::InventoryItemId, Inv::Available, Inv::UpdatedAt]
    };
    upsert(
        conn,
        batch.inventory.into_values(),
        [Inv::ShopId, Inv::VariantId],
        stock_columns,
        None,
    )
    .await?;
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
    .await
}

/// Rows per INSERT statement: well under SQLite's 32,766 bound parameters at 16 columns.
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts rows, updating `update` columns on key conflicts. With `newer_only` (a table name),
/// a row only replaces one whose `source_updated_at` is not newer, so a late snapshot never
/// overwrites a fresher webhook update.
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
    let mut on_conflict = OnConflict::columns(key);
    on_conflict.update_columns(update.iter().copied());
    if let Some(table) = newer_only {
        on_conflict.action_and_where(Expr::cust(format!(
            "\"{table}\".\"source_updated_at\" <= \"excluded\".\"source_updated_at\""
        )));
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        A::Entity::insert_many(chunk)
            .on_conflict(on_conflict.clone())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}
