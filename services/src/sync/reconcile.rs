//! Reconciliation: after a fresh products snapshot, soft-delete the products Shopify no
//! longer has (their `products/delete` webhook was lost).
//!
//! A product is removed only when it is absent from the whole file (the ingest notes ids on
//! lines it skips when resuming, and on malformed lines) and was last changed before the run
//! started (a product created by a webhook during the run is newer than the snapshot). A
//! file with lines whose object cannot be identified, or an empty file for a shop that has
//! products, deletes nothing: a wrong snapshot must never wipe a catalog.

use chrono::Utc;
use entity::product;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::plan::{PhaseOutcome, SyncTarget};

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

/// Soft-deletes the shop's products missing from the snapshot; returns how many.
///
/// # Errors
/// The database error.
pub(super) async fn soft_delete_missing(
    db: &DatabaseConnection,
    target: &SyncTarget<'_>,
    outcome: &PhaseOutcome,
) -> Result<u64, DbErr> {
    let seen = &outcome.observed;
    if seen.unidentified > 0 {
        tracing::warn!(
            unidentified = seen.unidentified,
            "snapshot has unidentifiable lines; not deleting"
        );
        return Ok(0);
    }
    let candidates: Vec<i64> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::ShopId.eq(target.shop.id))
        .filter(product::Column::DeletedAt.is_null())
        .filter(product::Column::SourceUpdatedAt.lt(outcome.started_at))
        .into_tuple()
        .all(db)
        .await?;
    if seen.product_ids.is_empty() && !candidates.is_empty() {
        tracing::warn!(
            products = candidates.len(),
            "empty snapshot for a shop with products; not deleting"
        );
        return Ok(0);
    }
    let missing: Vec<i64> = candidates
        .into_iter()
        .filter(|id| !seen.product_ids.contains(id))
        .collect();
    let now = Utc::now();
    let mut deleted = 0;
    for chunk in missing.chunks(CHUNK) {
        let result = product::Entity::update_many()
            .col_expr(product::Column::DeletedAt, Expr::value(Some(now)))
            .filter(product::Column::ShopId.eq(target.shop.id))
            .filter(product::Column::Id.is_in(chunk.iter().copied()))
            .filter(product::Column::DeletedAt.is_null())
            .exec(db)
            .await?;
        deleted += result.rows_affected;
    }
    if deleted > 0 {
        tracing::info!(
            shop_id = target.shop.id,
            deleted,
            "reconciliation soft-deleted missing products"
        );
    }
    Ok(deleted)
}
