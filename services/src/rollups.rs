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

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use common::database::begin_write;
use common::settings::EventsSettings;
use entity::{event, impression, metric_rollup, product};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::signals;

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
    let txn = begin_write(conn).await?;
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

/// The day's counts per surface.
async fn counts(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    day: NaiveDate,
) -> Result<BTreeMap<String, SurfaceCounts>, DbErr> {
    let start = midnight(day);
    let end = midnight(day.checked_add_days(Days::new(1)).unwrap_or(day));
    let mut out = shown(conn, shop_id, start, end).await?;
    let attributed: Vec<(Option<String>, String, i64)> = event::Entity::find()
        .select_only()
        .column(event::Column::Surface)
        .column(event::Column::Kind)
        .column_as(Expr::expr(Func::count(Expr::col(event::Column::Id))), "n")
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::OccurredAt.gte(start))
        .filter(event::Column::OccurredAt.lt(end))
        .filter(event::Column::ImpressionId.is_not_null())
        .group_by(event::Column::Surface)
        .group_by(event::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    for (surface, kind, n) in attributed {
        let Some(surface) = surface else { continue };
        let c = out.entry(surface).or_default();
        match kind.as_str() {
            "click" => c.clicks = n,
            "add_to_cart" => c.add_to_carts = n,
            _ => {}
        }
    }
    Ok(out)
}

/// The start of `day`, UTC.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// How long the raw signal tables keep their rows (`events.impression_retention_days`,
/// `events.event_retention_days`); the daily metrics rolled up from them stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days a logged impression is kept.
    pub impression_days: u32,
    /// Days a storefront event is kept.
    pub event_days: u32,
}

impl Retention {
    /// From the `events` settings.
    #[must_use]
    pub fn from_settings(settings: &EventsSettings) -> Self {
        Self {
            impression_days: settings.impression_retention_days,
            event_days: settings.event_retention_days,
        }
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::from_settings(&EventsSettings::default())
    }
}

/// Rows logged before this are past a `retention_days` retention when `day` is rolled up:
/// midnight `retention_days` before it.
#[must_use]
pub fn retention_cutoff(day: NaiveDate, retention_days: u32) -> DateTime<Utc> {
    midnight(
        day.checked_sub_days(Days::new(u64::from(retention_days)))
            .unwrap_or(NaiveDate::MIN),
    )
}

/// Rows removed per statement, so a purge never holds the write lock for long.
const PURGE_BATCH: u64 = 5_000;

/// Removes the shop's impressions logged before `before`; returns how many. Their days'
/// metrics are already rolled up; only the raw slates go.
///
/// # Errors
/// The database error (batches removed before it stay removed: each is complete on its own).
pub async fn purge_impressions(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use impression::Column as C;
    purge_before::<impression::Entity>(conn, shop_id, before, [C::Id, C::ShopId, C::OccurredAt])
        .await
}

/// Removes the shop's storefront events that occurred before `before`; returns how many.
///
/// # Errors
/// The database error (batches removed before it stay removed: each is complete on its own).
pub async fn purge_events(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use event::Column as C;
    purge_before::<event::Entity>(conn, shop_id, before, [C::Id, C::ShopId, C::OccurredAt]).await
}

/// Deletes the shop's rows of `E` whose time column is before `before`, a batch of ids per
/// statement; `[id, shop, at]` name the entity's columns.
async fn purge_before<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    before: DateTime<Utc>,
    [id, shop, at]: [E::Column; 3],
) -> Result<u64, DbErr> {
    let mut removed = 0;
    loop {
        let ids: Vec<i64> = E::find()
            .select_only()
            .column(id)
            .filter(shop.eq(shop_id))
            .filter(at.lt(before))
            .limit(PURGE_BATCH)
            .into_tuple()
            .all(conn)
            .await?;
        if ids.is_empty() {
            return Ok(removed);
        }
        removed += E::delete_many()
            .filter(id.is_in(ids))
            .exec(conn)
            .await?
            .rows_affected;
    }
}

/// Impressions per page read when counting what was shown.
const SHOWN_PAGE: u64 = 5_000;

/// Items shown and distinct products shown per surface between `start` and `end`, read a
/// page of impressions at a time (the items are JSON, which the two databases unnest
/// differently; a day's impressions are read once a night).
async fn shown(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<BTreeMap<String, SurfaceCounts>, DbErr> {
    let mut counts: BTreeMap<String, SurfaceCounts> = BTreeMap::new();
    let mut exposed: HashMap<String, HashSet<i64>> = HashMap::new();
    let mut after = 0;
    loop {
        let page = impression::Entity::find()
            .filter(impression::Column::ShopId.eq(shop_id))
            .filter(impression::Column::OccurredAt.gte(start))
            .filter(impression::Column::OccurredAt.lt(end))
            .filter(impression::Column::Id.gt(after))
            .order_by_asc(impression::Column::Id)
            .limit(SHOWN_PAGE)
            .all(conn)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in &page {
            let items = signals::impression::items(row);
            let c = counts.entry(row.surface.clone()).or_default();
            c.impressions += i64::try_from(items.len()).unwrap_or(i64::MAX);
            exposed
                .entry(row.surface.clone())
                .or_default()
                .extend(items.iter().map(|item| item.product_id));
        }
    }
    for (surface, products) in exposed {
        if let Some(c) = counts.get_mut(&surface) {
            c.items_exposed = i64::try_from(products.len()).unwrap_or(i64::MAX);
        }
    }
    Ok(counts)
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
