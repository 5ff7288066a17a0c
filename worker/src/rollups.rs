//! Daily metric rollups per shop, day and surface from the signal tables: what the admin's
//! discovery dashboard reads without scanning raw events.
//!
//! Metrics (`metric_rollups.metric`, `value`, `samples`):
//! - `impressions`: items shown (samples: the same count);
//! - `clicks`, `add_to_carts`: events attributed to an impression;
//! - `ctr`, `add_to_cart_rate`: those over impressions (samples: impressions);
//! - `items_exposed`: distinct products shown;
//! - `catalog_exposure`: distinct products shown over active products (samples: active products).
//!
//! `arm` is `all` until experiments split traffic into arms.

use chrono::{Days, NaiveDate, NaiveTime};
use entity::{event, metric_rollup, product};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};

/// The arm of traffic not split by an experiment.
pub const ALL_ARMS: &str = "all";

/// Counts of one surface on one day.
#[derive(Debug, Clone, Default, PartialEq)]
struct SurfaceCounts {
    impressions: i64,
    clicks: i64,
    add_to_carts: i64,
    items_exposed: i64,
}

/// Recomputes the rollups of `day` (UTC) for a shop, replacing earlier values; returns the
/// number of rows written. Idempotent: a rerun for the same day gives the same rows.
///
/// # Errors
/// The database error; nothing is written then.
pub async fn rollup_day(
    conn: &DatabaseConnection,
    shop_id: i64,
    day: NaiveDate,
) -> Result<usize, DbErr> {
    let counts = counts(conn, shop_id, day).await?;
    let active = product::Entity::find()
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::Status.eq("active"))
        .count(conn)
        .await?;
    let active = i64::try_from(active).unwrap_or(i64::MAX);
    let rows: Vec<metric_rollup::ActiveModel> = counts
        .iter()
        .flat_map(|(surface, c)| {
            metrics(c, active).map(|(m, v, n)| row(shop_id, day, surface, m, v, n))
        })
        .collect();
    let written = rows.len();
    if rows.is_empty() {
        return Ok(0);
    }
    let txn = conn.begin().await?;
    metric_rollup::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                metric_rollup::Column::ShopId,
                metric_rollup::Column::Day,
                metric_rollup::Column::Surface,
                metric_rollup::Column::Arm,
                metric_rollup::Column::Metric,
            ])
            .update_columns([metric_rollup::Column::Value, metric_rollup::Column::Samples])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(written)
}

/// The day's counts per surface, aggregated in the database.
async fn counts(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    day: NaiveDate,
) -> Result<Vec<(String, SurfaceCounts)>, DbErr> {
    let start = day.and_time(NaiveTime::MIN).and_utc();
    let end = day
        .checked_add_days(Days::new(1))
        .unwrap_or(day)
        .and_time(NaiveTime::MIN)
        .and_utc();
    let grouped: Vec<(Option<String>, String, i64, i64)> = event::Entity::find()
        .select_only()
        .column(event::Column::Surface)
        .column(event::Column::Kind)
        .column_as(Expr::expr(Func::count(Expr::col(event::Column::Id))), "n")
        .column_as(
            Expr::expr(Func::count_distinct(Expr::col(event::Column::ProductId))),
            "items",
        )
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::OccurredAt.gte(start))
        .filter(event::Column::OccurredAt.lt(end))
        .filter(event::Column::Surface.is_not_null())
        .filter(
            Condition::any()
                .add(event::Column::Kind.eq("impression"))
                .add(event::Column::ImpressionId.is_not_null()),
        )
        .group_by(event::Column::Surface)
        .group_by(event::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: Vec<(String, SurfaceCounts)> = Vec::new();
    for (surface, kind, n, items) in grouped {
        let Some(surface) = surface else { continue };
        let at = match out.iter().position(|(s, _)| *s == surface) {
            Some(at) => at,
            None => {
                out.push((surface, SurfaceCounts::default()));
                out.len() - 1
            }
        };
        let c = &mut out[at].1;
        match kind.as_str() {
            "impression" => (c.impressions, c.items_exposed) = (n, items),
            "click" => c.clicks = n,
            "add_to_cart" => c.add_to_carts = n,
            _ => {}
        }
    }
    Ok(out)
}

/// (metric, value, samples) of one surface.
fn metrics(c: &SurfaceCounts, active: i64) -> impl Iterator<Item = (&'static str, f64, i64)> {
    let share = |part: i64, whole: i64| {
        if whole > 0 {
            part as f64 / whole as f64
        } else {
            0.0
        }
    };
    [
        ("impressions", c.impressions as f64, c.impressions),
        ("clicks", c.clicks as f64, c.impressions),
        ("add_to_carts", c.add_to_carts as f64, c.impressions),
        ("ctr", share(c.clicks, c.impressions), c.impressions),
        (
            "add_to_cart_rate",
            share(c.add_to_carts, c.impressions),
            c.impressions,
        ),
        ("items_exposed", c.items_exposed as f64, c.impressions),
        ("catalog_exposure", share(c.items_exposed, active), active),
    ]
    .into_iter()
}

fn row(
    shop_id: i64,
    day: NaiveDate,
    surface: &str,
    metric: &str,
    value: f64,
    samples: i64,
) -> metric_rollup::ActiveModel {
    metric_rollup::ActiveModel {
        shop_id: Set(shop_id),
        day: Set(day),
        surface: Set(surface.to_owned()),
        arm: Set(ALL_ARMS.to_owned()),
        metric: Set(metric.to_owned()),
        value: Set(value),
        samples: Set(samples),
    }
}
