//! One phase of a bulk sync: find or create its `sync_runs` row, start (or adopt, or
//! restart) the bulk operation, wait for it, and stream its JSONL into the ingest.

use std::time::{Duration, Instant};

use chrono::Utc;
use entity::{sync_run, webhook_receipt};
use futures::TryStreamExt as _;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use secrecy::SecretString;
use shopify::client::ApiCallError;
use shopify::{AdminError, BulkError, BulkOperation, BulkStatus};
use tokio_util::io::StreamReader;

use super::bulk::run_key;
pub use super::plan::PhaseOutcome;
use super::plan::{FullSyncError, SyncTarget};
use super::{BulkTarget, IngestReport, Observed, ingest_observed};
use crate::shop_tokens::with_token;

/// Maps a call's error so that a 401 reaches the refresh-once helper.
fn api<E: Into<FullSyncError>>(err: E) -> ApiCallError<FullSyncError> {
    match err.into() {
        FullSyncError::Admin(AdminError::Unauthorized)
        | FullSyncError::Bulk(BulkError::Admin(AdminError::Unauthorized)) => {
            ApiCallError::Unauthorized
        }
        other => ApiCallError::Other(other),
    }
}

/// Runs one phase up to the end of its ingest; `None` when this request already did it.
pub(super) async fn run_phase(
    target: &SyncTarget<'_>,
    kind: &str,
    query: &str,
    group_objects: bool,
) -> Result<Option<PhaseOutcome>, FullSyncError> {
    let Some(mut run) = find_or_create_run(target, kind).await? else {
        return Ok(None);
    };
    let mut restarts = 0;
    loop {
        let id = match run.bulk_operation_id.clone() {
            Some(id) => id,
            None => start(target, &mut run, query, group_objects).await?,
        };
        let operation = wait_for(target, &run, &id).await?;
        if operation.status == BulkStatus::Completed {
            return ingest_result(target, run, &operation).await.map(Some);
        }
        tracing::warn!(
            operation = %id, status = ?operation.status, error_code = ?operation.error_code,
            partial_data_url = ?operation.partial_data_url, "bulk operation ended without a result; restarting"
        );
        let reason = format!(
            "{:?} {}",
            operation.status,
            operation.error_code.clone().unwrap_or_default()
        );
        run = reset(target.db, run, Some(reason)).await?;
        restarts += 1;
        if restarts > target.options.restarts {
            return Err(FullSyncError::OperationEnded {
                status: format!("{:?}", operation.status),
                code: operation.error_code.unwrap_or_default(),
                restarts,
            });
        }
    }
}

/// The running row of this phase, or a new one; `None` when one succeeded for this request.
async fn find_or_create_run(
    target: &SyncTarget<'_>,
    kind: &str,
) -> Result<Option<sync_run::Model>, DbErr> {
    let latest = sync_run::Entity::find()
        .filter(sync_run::Column::ShopId.eq(target.shop.id))
        .filter(sync_run::Column::Kind.eq(kind))
        .order_by_desc(sync_run::Column::Id)
        .one(target.db)
        .await?;
    match latest {
        Some(run) if run.status == "running" => return Ok(Some(run)),
        Some(run) if run.status == "succeeded" && run.started_at >= target.requested_at => {
            return Ok(None);
        }
        _ => {}
    }
    let run = sync_run::ActiveModel {
        shop_id: Set(target.shop.id),
        kind: Set(kind.to_owned()),
        status: Set("running".into()),
        rows_done: Set(0),
        started_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(target.db)
    .await?;
    Ok(Some(run))
}

/// Forgets the run's operation and cursor (the next operation writes a different file).
async fn reset(
    db: &DatabaseConnection,
    mut run: sync_run::Model,
    error: Option<String>,
) -> Result<sync_run::Model, DbErr> {
    sync_run::Entity::update_many()
        .col_expr(
            sync_run::Column::BulkOperationId,
            Expr::value(None::<String>),
        )
        .col_expr(sync_run::Column::Cursor, Expr::value(None::<String>))
        .col_expr(sync_run::Column::RowsDone, Expr::value(0))
        .col_expr(sync_run::Column::RowsTotal, Expr::value(None::<i64>))
        .col_expr(sync_run::Column::Error, Expr::value(error.clone()))
        .filter(run_key(run.shop_id, run.id))
        .exec(db)
        .await?;
    run.bulk_operation_id = None;
    run.cursor = None;
    run.rows_done = 0;
    run.rows_total = None;
    run.error = error;
    Ok(run)
}

/// Starts the bulk query, or adopts the one already running with the same document (this
/// run's own, started just before a crash).
async fn start(
    target: &SyncTarget<'_>,
    run: &mut sync_run::Model,
    query: &str,
    group_objects: bool,
) -> Result<String, FullSyncError> {
    let (client, domain) = (target.client, &target.domain);
    let started = with_token(
        target.db,
        target.app,
        target.shop.id,
        |token: SecretString| async move {
            client
                .run_bulk_query(domain, &token, query, group_objects)
                .await
                .map_err(api)
        },
    )
    .await;
    let operation = match started {
        Ok(operation) => operation,
        Err(FullSyncError::Bulk(BulkError::InProgress(message))) => {
            let current = with_token(
                target.db,
                target.app,
                target.shop.id,
                |token: SecretString| async move {
                    client
                        .current_bulk_operation(domain, &token)
                        .await
                        .map_err(api)
                },
            )
            .await?;
            match current {
                Some(op) if op.query.as_deref().map(str::trim) == Some(query.trim()) => op,
                _ => return Err(BulkError::InProgress(message).into()),
            }
        }
        Err(err) => return Err(err),
    };
    let mut active: sync_run::ActiveModel = run.clone().into();
    active.bulk_operation_id = Set(Some(operation.id.clone()));
    *run = active.update(target.db).await?;
    tracing::info!(operation = %operation.id, kind = %run.kind, "bulk operation started");
    Ok(operation.id)
}

/// Polls until the operation is terminal, with growing intervals, and at once when the
/// `bulk_operations/finish` webhook for it has been received.
async fn wait_for(
    target: &SyncTarget<'_>,
    run: &sync_run::Model,
    id: &str,
) -> Result<BulkOperation, FullSyncError> {
    let (client, domain) = (target.client, &target.domain);
    let options = target.options;
    let deadline = Instant::now() + options.max_wait;
    let mut interval = options.poll_interval;
    loop {
        let operation = with_token(
            target.db,
            target.app,
            target.shop.id,
            |token: SecretString| async move {
                client.bulk_operation(domain, &token, id).await.map_err(api)
            },
        )
        .await?
        .ok_or_else(|| FullSyncError::UnknownOperation(id.to_owned()))?;
        record_total(target.db, run, operation.object_count).await?;
        if operation.status.is_terminal() {
            return Ok(operation);
        }
        if Instant::now() >= deadline {
            return Err(FullSyncError::StillRunning(id.to_owned()));
        }
        let next = Instant::now() + interval;
        while Instant::now() < next && !finish_received(target, run, id).await? {
            tokio::time::sleep(interval.min(Duration::from_millis(500))).await;
        }
        interval = (interval * 2).min(options.max_poll_interval);
    }
}

async fn record_total(
    db: &DatabaseConnection,
    run: &sync_run::Model,
    objects: u64,
) -> Result<(), DbErr> {
    sync_run::Entity::update_many()
        .col_expr(
            sync_run::Column::RowsTotal,
            Expr::value(Some(i64::try_from(objects).unwrap_or(i64::MAX))),
        )
        .filter(run_key(run.shop_id, run.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether Shopify's `bulk_operations/finish` webhook for `id` has arrived.
async fn finish_received(
    target: &SyncTarget<'_>,
    run: &sync_run::Model,
    id: &str,
) -> Result<bool, DbErr> {
    let receipts = webhook_receipt::Entity::find()
        .filter(webhook_receipt::Column::Topic.eq("bulk_operations/finish"))
        .filter(webhook_receipt::Column::ShopDomain.eq(target.shop.domain.as_str()))
        .filter(webhook_receipt::Column::ReceivedAt.gte(run.started_at))
        .all(target.db)
        .await?;
    Ok(receipts.iter().any(|r| {
        r.payload
            .get("admin_graphql_api_id")
            .and_then(serde_json::Value::as_str)
            == Some(id)
    }))
}

/// Streams the result into the ingest (never the whole file in memory).
async fn ingest_result(
    target: &SyncTarget<'_>,
    run: sync_run::Model,
    operation: &BulkOperation,
) -> Result<PhaseOutcome, FullSyncError> {
    let mut observed = Observed::default();
    let bulk = BulkTarget {
        shop_id: target.shop.id,
        sync_run_id: run.id,
        currency_exponent: entity::domain::currency_exponent(&target.shop.currency),
        batch_lines: target.options.batch_lines,
    };
    let report = match &operation.url {
        // Completed with no objects: Shopify gives no file.
        None => IngestReport::default(),
        Some(url) => {
            let response = match target.client.download(url).await {
                Err(AdminError::Http {
                    status: 403 | 404, ..
                }) => {
                    // The signed URL expired (7 days): fetch a fresh snapshot next attempt.
                    reset(target.db, run, Some("result URL expired".into())).await?;
                    return Err(FullSyncError::UnknownOperation(operation.id.clone()));
                }
                other => other?,
            };
            let stream = response.bytes_stream().map_err(std::io::Error::other);
            let reader = tokio::io::BufReader::with_capacity(1 << 16, StreamReader::new(stream));
            ingest_observed(target.db, bulk, reader, &mut observed).await?
        }
    };
    tracing::info!(run = run.id, kind = %run.kind, ?report, "bulk result ingested");
    Ok(PhaseOutcome {
        run_id: run.id,
        started_at: run.started_at,
        report,
        observed,
    })
}

/// Marks a phase's run succeeded.
pub(super) async fn finish_run(
    db: &DatabaseConnection,
    shop_id: i64,
    run_id: i64,
) -> Result<(), DbErr> {
    sync_run::Entity::update_many()
        .col_expr(sync_run::Column::Status, Expr::value("succeeded"))
        .col_expr(sync_run::Column::Error, Expr::value(None::<String>))
        .col_expr(sync_run::Column::FinishedAt, Expr::value(Some(Utc::now())))
        .filter(run_key(shop_id, run_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt on the shop's unfinished runs of `mode` (`full`, `reconcile`):
/// the error always, and status `failed` when retrying cannot help.
///
/// # Errors
/// The database error.
pub async fn record_failure(
    db: &DatabaseConnection,
    shop_id: i64,
    mode_prefix: &str,
    error: &str,
    permanent: bool,
) -> Result<(), DbErr> {
    let mut update = sync_run::Entity::update_many()
        .col_expr(sync_run::Column::Error, Expr::value(Some(error.to_owned())))
        .filter(sync_run::Column::ShopId.eq(shop_id))
        .filter(sync_run::Column::Kind.starts_with(format!("{mode_prefix}:")))
        .filter(sync_run::Column::Status.eq("running"));
    if permanent {
        update = update
            .col_expr(sync_run::Column::Status, Expr::value("failed"))
            .col_expr(sync_run::Column::FinishedAt, Expr::value(Some(Utc::now())));
    }
    update.exec(db).await?;
    Ok(())
}
