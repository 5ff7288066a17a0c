//! The catalog revision: one number per shop that every catalog write bumps in its own
//! transaction, so serving can tell in one cheap read whether its in-memory catalog (stock,
//! status, prices) is stale, without waiting for the next precompute. The list revision
//! beside it does the same for the precomputed lists serving has read.

use entity::shop;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// Records that `shop_id`'s catalog changed.
///
/// # Errors
/// The database error.
pub async fn bump(conn: &impl ConnectionTrait, shop_id: i64) -> Result<(), DbErr> {
    shop::Entity::update_many()
        .col_expr(
            shop::Column::CatalogRevision,
            Expr::col(shop::Column::CatalogRevision).add(1),
        )
        .filter(shop::Column::Id.eq(shop_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records that a product's lists were rebuilt in place, inside the published list version.
///
/// # Errors
/// The database error.
pub async fn bump_lists(conn: &impl ConnectionTrait, shop_id: i64) -> Result<(), DbErr> {
    shop::Entity::update_many()
        .col_expr(
            shop::Column::ListRevision,
            Expr::col(shop::Column::ListRevision).add(1),
        )
        .filter(shop::Column::Id.eq(shop_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The shop's current catalog and list revisions, in one read (0 and 0 for an unknown shop).
///
/// # Errors
/// The database error.
pub async fn current(conn: &impl ConnectionTrait, shop_id: i64) -> Result<(i64, i64), DbErr> {
    let revisions: Option<(i64, i64)> = shop::Entity::find_by_id(shop_id)
        .select_only()
        .column(shop::Column::CatalogRevision)
        .column(shop::Column::ListRevision)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(revisions.unwrap_or_default())
}
