//! Per product and day: times shown by any recommendation surface and what sold, the rows
//! the bias checks group by brand and price band.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::product_rollup;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};

use super::IN_LIST;
use super::shown::SurfaceCounts;

/// One product's day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct ProductDay {
    product_id: i64,
    impressions: i64,
    revenue_minor: i64,
    units: i64,
}

/// A product's totals over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProductTotals {
    /// Items shown over every recommendation surface.
    pub impressions: i64,
    /// Revenue of its order lines, minor units.
    pub revenue_minor: i64,
}

/// The day's rows: every product shown (storefront-wide counts) or sold.
pub(super) fn of_day(
    shown: Option<&SurfaceCounts>,
    sold: &HashMap<i64, (i64, i64)>,
) -> Vec<ProductDay> {
    let mut rows: BTreeMap<i64, ProductDay> = BTreeMap::new();
    for (product, n) in shown.map(SurfaceCounts::exposure).into_iter().flatten() {
        rows.entry(*product).or_default().impressions += n;
    }
    for (product, (revenue, units)) in sold {
        let row = rows.entry(*product).or_default();
        row.revenue_minor += revenue;
        row.units += units;
    }
    rows.into_iter()
        .map(|(product_id, row)| ProductDay { product_id, ..row })
        .collect()
}

/// Replaces the shop's rows of `day` with `rows`.
pub(super) async fn replace(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    day: NaiveDate,
    rows: Vec<ProductDay>,
) -> Result<(), DbErr> {
    product_rollup::Entity::delete_many()
        .filter(product_rollup::Column::ShopId.eq(shop_id))
        .filter(product_rollup::Column::Day.eq(day))
        .exec(conn)
        .await?;
    for batch in rows.chunks(IN_LIST) {
        let models = batch.iter().map(|r| product_rollup::ActiveModel {
            shop_id: Set(shop_id),
            day: Set(day),
            product_id: Set(r.product_id),
            impressions: Set(r.impressions),
            revenue_minor: Set(r.revenue_minor),
            units: Set(r.units),
        });
        product_rollup::Entity::insert_many(models)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Per product, the shop's totals from `from` to `to` (inclusive).
///
/// # Errors
/// The database error.
pub async fn totals(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<i64, ProductTotals>, DbErr> {
    use product_rollup::Column as C;
    // SUM of a bigint is NUMERIC on PostgreSQL: cast so both backends decode an i64.
    let sum = |c: C| Expr::col(c).sum().cast_as("BIGINT");
    let rows: Vec<(i64, i64, i64)> = product_rollup::Entity::find()
        .select_only()
        .column(C::ProductId)
        .column_as(sum(C::Impressions), "impressions")
        .column_as(sum(C::RevenueMinor), "revenue")
        .filter(C::ShopId.eq(shop_id))
        .filter(C::Day.gte(from))
        .filter(C::Day.lte(to))
        .group_by(C::ProductId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(product, impressions, revenue_minor)| {
            (
                product,
                ProductTotals {
                    impressions,
                    revenue_minor,
                },
            )
        })
        .collect())
}
