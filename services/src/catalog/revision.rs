//! The catalog revision: one number per shop that every catalog write bumps in its own
//! transaction, so serving can tell in one cheap read whether its in-memory catalog (stock,
//! status, prices) is stale, without waiting for the next precompute.

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

/// The shop's current catalog revision (0 for an unknown shop).
///
/// # Errors
/// The database error.
pub async fn current(conn: &impl ConnectionTrait, shop_id: i64) -> Result<i64, DbErr> {
    let revision: Option<i64> = shop::Entity::find_by_id(shop_id)
        .select_only()
        .column(shop::Column::CatalogRevision)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(revision.unwrap_or(0))
}
