//! Streaming ingest of a bulk-operation JSONL result: line by line (never the whole file in
//! memory), in batches that each commit together with the resume cursor, so a crash resumes
//! after the last committed batch and a batch is never half-applied.

use chrono::Utc;
use common::database::begin_write;
use entity::sync_run;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::SyncError;
use super::observed::Observed;
use super::records::{Line, LineError, parse_line};
use super::rows::RowBatch;
use super::write::{Coverage, write_rows};
use crate::catalog::revision;

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

/// The sync run `run_id` of `shop_id`. Every statement on one run names both: runs are keyed
/// by shop and id, so the statement reaches one shard when the tables are sharded by shop.
pub(crate) fn run_key(shop_id: i64, run_id: i64) -> Condition {
    Condition::all()
        .add(sync_run::Column::ShopId.eq(shop_id))
        .add(sync_run::Column::Id.eq(run_id))
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
    ingest_observed(conn, target, reader, &mut Observed::default()).await
}

/// Like [`ingest`], also noting in `seen` every product id of the whole file (including the
/// part a resumed run skips) and numbering order lines.
///
/// # Errors
/// As [`ingest`].
pub async fn ingest_observed<R>(
    conn: &DatabaseConnection,
    target: BulkTarget,
    reader: R,
    seen: &mut Observed,
) -> Result<IngestReport, SyncError>
where
    R: AsyncBufRead + Unpin,
{
    let run = sync_run::Entity::find()
        .filter(run_key(target.shop_id, target.sync_run_id))
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
            seen.note_raw(String::from_utf8_lossy(&buffer).trim_end());
            continue;
        }
        report.lines += 1;
        batch.lines += 1;
        position = position.saturating_add(1);
        // Invalid UTF-8 is one bad line, not a failed sync.
        let text = String::from_utf8_lossy(&buffer);
        let line = LineInput {
            text: text.trim_end(),
            number,
            position,
        };
        apply_line(&mut batch, &mut report, seen, target, &line);
        if batch.lines >= target.batch_lines {
            flush(conn, target, std::mem::take(&mut batch), number).await?;
        }
    }
    flush(conn, target, batch, number).await?;
    Ok(report)
}

/// One line of the file with where it sits.
struct LineInput<'a> {
    text: &'a str,
    number: u64,
    position: i32,
}

fn apply_line(
    batch: &mut RowBatch,
    report: &mut IngestReport,
    seen: &mut Observed,
    target: BulkTarget,
    input: &LineInput<'_>,
) {
    if input.text.trim().is_empty() {
        report.ignored += 1;
        return;
    }
    let applied = if input.text.len() > MAX_LINE_BYTES {
        Err(LineError::Malformed("line too long".into()))
    } else {
        parse_line(input.text).and_then(|line| add_line(batch, seen, target, line, input.position))
    };
    match applied {
        Ok(true) => report.applied += 1,
        Ok(false) => report.ignored += 1,
        Err(err) => {
            report.skipped += 1;
            // Still count what the line was, so reconciliation and line numbers stay right.
            seen.note_raw(input.text);
            tracing::warn!(line = input.number, %err, "skipped bulk line");
        }
    }
}

/// Adds a parsed line to the batch; `Ok(false)` for types this sync does not use.
fn add_line(
    batch: &mut RowBatch,
    seen: &mut Observed,
    target: BulkTarget,
    line: Line,
    position: i32,
) -> Result<bool, LineError> {
    let shop = target.shop_id;
    let exponent = target.currency_exponent;
    match line {
        Line::Product(p) => {
            seen.product(&p.id);
            batch.add_product(shop, *p)?;
        }
        // The snapshot's stock is as of now (an operation's result is read right after it
        // completes); a level webhook newer than that keeps its word.
        Line::Variant(v) => batch.add_variant(shop, exponent, *v, Utc::now())?,
        Line::Collection(c) => batch.add_collection(shop, c)?,
        Line::Membership {
            collection_id,
            product_id,
        } => batch.add_membership(shop, collection_id, product_id, position),
        Line::Order(o) => {
            seen.order(&o.id);
            batch.add_order(shop, exponent, *o)?;
        }
        Line::LineItem(item) => {
            let line_no = seen.next_line_no(&item.parent_id);
            batch.add_line_item(shop, exponent, *item, line_no)?;
        }
        Line::Other => return Ok(false),
    }
    Ok(true)
}

/// Writes a batch, bumps the catalog revision and advances the cursor in one transaction.
/// `rows_done` counts lines, so that against the operation's `objectCount` (`rows_total`) it
/// reads as progress.
async fn flush(
    conn: &DatabaseConnection,
    target: BulkTarget,
    batch: RowBatch,
    cursor: u64,
) -> Result<(), DbErr> {
    let run_id = target.sync_run_id;
    if batch.lines == 0 {
        return Ok(());
    }
    let lines = i64::try_from(batch.lines).unwrap_or(i64::MAX);
    let txn = begin_write(conn).await?;
    write_rows(&txn, batch, Coverage::Snapshot).await?;
    revision::bump(&txn, target.shop_id).await?;
    // One statement, no read-modify-write: fewer round trips per batch.
    sync_run::Entity::update_many()
        .col_expr(
            sync_run::Column::Cursor,
            Expr::value(Some(cursor.to_string())),
        )
        .col_expr(
            sync_run::Column::RowsDone,
            Expr::col(sync_run::Column::RowsDone).add(lines),
        )
        .filter(run_key(target.shop_id, run_id))
        .exec(&txn)
        .await?;
    txn.commit().await
}
