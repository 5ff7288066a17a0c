//! Daily metric rollups per shop, day and surface from the signal and order tables: what the
//! admin's discovery dashboard reads without scanning raw events. `docs/METRICS.md` defines
//! every metric; in short, per recommendation surface:
//! - `impressions`, `clicks`, `add_to_carts`, `ctr`, `add_to_cart_rate`: items shown and the
//!   events attributed to them;
//! - `items_exposed`, `catalog_exposure`, `exposure_gini`: how the exposure spreads over the
//!   catalog;
//! - `click_discovery_rate`: recommendation clicks on products new to the shopper;
//! - `assisted_orders`, `assisted_order_share`, `assisted_revenue`, `attributed_revenue`:
//!   orders whose shopper engaged with the surface's recommendations before buying;
//!
//! and storefront-wide (surface `all`): the same summed over surfaces, plus `sessions`,
//! `engaged_sessions`, `discovery_rate`, `category_discovery_rate`, `category_spread`,
//! `orders`, `revenue`, `aov` and `order_breadth`; and, under the day they are about once
//! their window has passed, `repeat_visit_7d`, `_30d`, `_60d` (see [`REPEAT_WINDOWS`]).
//!
//! Per product and day, `product_rollups` keeps the times shown and the sales that the bias
//! checks group by brand and price band ([`bias`]). Cohort LTV and time to next purchase are
//! computed on read from the orders ([`cohorts`]).
//!
//! `arm` is `all` for all traffic. Each experiment arm that served impressions that day gets
//! its own rows under `{experiment id}:{arm}` ([`arm_key`]): per surface, the shown metrics
//! of the impressions served under it; storefront-wide, the discovery and order metrics of
//! the sessions it served, and their revenue per session.

mod arms;
pub mod bias;
pub mod cohorts;
mod discovery;
mod orders;
mod products;
mod repeat;
mod retention;
mod shown;
mod stats;
mod totals;
mod touches;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, Utc};
use common::database::begin_write;
use common::settings::EventsSettings;
use entity::{metric_rollup, product};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

pub use products::ProductTotals;
pub use repeat::REPEAT_WINDOWS;
pub use retention::{Retention, purge_events, purge_impressions, retention_cutoff};
pub use shown::arm_key;
pub use stats::gini;
pub use totals::{Totals, is_count};

/// The arm of traffic not split by an experiment.
pub const ALL_ARMS: &str = "all";
/// The module of rows about a whole surface rather than one of its modules.
pub const ALL_MODULES: &str = "all";
/// The surface of rows about the whole storefront rather than one recommendation surface.
pub const ALL_SURFACES: &str = "all";

/// Windows the rollup looks back over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// Days before an order in which a recommendation click or add-to-cart assists it
    /// (`events.assisted_revenue_days`).
    pub assisted_days: u32,
}

impl Windows {
    /// From the `events` settings.
    #[must_use]
    pub fn from_settings(settings: &EventsSettings) -> Self {
        Self {
            assisted_days: settings.assisted_revenue_days,
        }
    }
}

impl Default for Windows {
    fn default() -> Self {
        Self::from_settings(&EventsSettings::default())
    }
}

/// Recomputes the rollups of `day` (UTC) for a shop, replacing earlier values; returns the
/// number of rows written. Idempotent: a rerun for the same day gives the same rows. A day
/// without traffic still gets its storefront-wide rows (zero sessions, zero orders), so a
/// dashboard tells "nothing happened" from "not rolled up".
///
/// # Errors
/// The database error; nothing is written then.
pub async fn rollup_day(
    conn: &DatabaseConnection,
    shop_id: i64,
    day: NaiveDate,
    windows: Windows,
) -> Result<usize, DbErr> {
    let span = Span::of(day);
    let catalog = Catalog::load(conn, shop_id).await?;
    let shown = shown::counts(conn, shop_id, span).await?;
    let mut metrics: Vec<Metric> = shown
        .counts
        .iter()
        .flat_map(|(slice, counts)| shown::metrics(slice, counts, &catalog))
        .collect();
    let window = Duration::days(i64::from(windows.assisted_days));
    let arms = &shown.arm_sessions;
    let orders = orders::totals(conn, shop_id, span, window, &catalog, arms).await?;
    let discovery = discovery::count(conn, shop_id, span, &catalog, arms).await?;
    metrics.extend(orders::metrics(&orders));
    metrics.extend(discovery::metrics(&discovery.all, ALL_ARMS));
    metrics.push(Metric::new(
        ALL_SURFACES,
        "revenue_per_session",
        orders.all.revenue as f64 / discovery.all.sessions.max(1) as f64,
        discovery.all.sessions,
    ));
    for (arm, sessions) in arms {
        metrics.extend(arms::metrics(arm, sessions.len(), &orders, &discovery));
    }
    let mut dated: Vec<(NaiveDate, Metric)> = metrics.into_iter().map(|m| (day, m)).collect();
    dated.extend(repeat::repeat_visits(conn, shop_id, day).await?);
    let per_product = products::of_day(shown.everything(), orders.sold());
    write(conn, shop_id, day, dated, per_product).await
}

/// The metric whose storefront-wide row every rolled-up day has, so its presence says the
/// day was rolled up.
const ROLLED_UP_MARKER: &str = "sessions";

/// The `(shop, day)` pairs rolled up since `since`, so a scheduler can fill the gaps (a new
/// install's synced order history, the demo shop's simulated past, a night the worker
/// missed).
///
/// # Errors
/// The database error.
pub async fn rolled_up_days(
    conn: &impl ConnectionTrait,
    since: NaiveDate,
) -> Result<HashSet<(i64, NaiveDate)>, DbErr> {
    let rows: Vec<(i64, NaiveDate)> = metric_rollup::Entity::find()
        .select_only()
        .columns([metric_rollup::Column::ShopId, metric_rollup::Column::Day])
        .filter(metric_rollup::Column::Day.gte(since))
        .filter(metric_rollup::Column::Surface.eq(ALL_SURFACES))
        .filter(metric_rollup::Column::Arm.eq(ALL_ARMS))
        .filter(metric_rollup::Column::Metric.eq(ROLLED_UP_MARKER))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The shop's rolled-up rows of all traffic and whole surfaces from `from` to `to`
/// (inclusive), oldest first.
///
/// # Errors
/// The database error.
pub async fn read(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<metric_rollup::Model>, DbErr> {
    let rows = Condition::all()
        .add(metric_rollup::Column::Arm.eq(ALL_ARMS))
        .add(metric_rollup::Column::Module.eq(ALL_MODULES));
    read_rows(conn, shop_id, from, to, rows).await
}

/// The shop's rolled-up rows of each surface's modules (all traffic) from `from` to `to`
/// (inclusive), oldest first.
///
/// # Errors
/// The database error.
pub async fn read_modules(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<metric_rollup::Model>, DbErr> {
    let rows = Condition::all()
        .add(metric_rollup::Column::Arm.eq(ALL_ARMS))
        .add(metric_rollup::Column::Module.ne(ALL_MODULES));
    read_rows(conn, shop_id, from, to, rows).await
}

/// The rolled-up rows of experiment `experiment_id`'s arms from `from` to `to` (inclusive),
/// oldest first.
///
/// # Errors
/// The database error.
pub async fn read_experiment(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<metric_rollup::Model>, DbErr> {
    let rows = Condition::all()
        .add(metric_rollup::Column::Arm.starts_with(arm_key(experiment_id, "")))
        .add(metric_rollup::Column::Module.eq(ALL_MODULES));
    read_rows(conn, shop_id, from, to, rows).await
}

async fn read_rows(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    rows: Condition,
) -> Result<Vec<metric_rollup::Model>, DbErr> {
    metric_rollup::Entity::find()
        .filter(metric_rollup::Column::ShopId.eq(shop_id))
        .filter(metric_rollup::Column::Day.gte(from))
        .filter(metric_rollup::Column::Day.lte(to))
        .filter(rows)
        .order_by_asc(metric_rollup::Column::Day)
        .order_by_asc(metric_rollup::Column::Arm)
        .order_by_asc(metric_rollup::Column::Surface)
        .order_by_asc(metric_rollup::Column::Module)
        .order_by_asc(metric_rollup::Column::Metric)
        .all(conn)
        .await
}

/// One metric of one surface (or one module of it) and arm.
#[derive(Debug, Clone, PartialEq)]
struct Metric {
    surface: String,
    module: String,
    arm: String,
    name: &'static str,
    value: f64,
    samples: i64,
}

impl Metric {
    /// A metric of all traffic.
    fn new(surface: &str, name: &'static str, value: f64, samples: i64) -> Self {
        Self {
            surface: surface.to_owned(),
            module: ALL_MODULES.to_owned(),
            arm: ALL_ARMS.to_owned(),
            name,
            value,
            samples,
        }
    }

    /// The same metric of the traffic of `arm`.
    fn in_arm(self, arm: &str) -> Self {
        Self {
            arm: arm.to_owned(),
            ..self
        }
    }

    /// The same metric of `module` of the surface.
    fn in_module(self, module: &str) -> Self {
        Self {
            module: module.to_owned(),
            ..self
        }
    }
}

/// A UTC day as a half-open time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Span {
    fn of(day: NaiveDate) -> Self {
        Self {
            start: midnight(day),
            end: midnight(day.checked_add_days(Days::new(1)).unwrap_or(day)),
        }
    }
}

/// What the rollup needs of the catalog: the active products and every product's category.
#[derive(Debug, Default)]
struct Catalog {
    active: HashSet<i64>,
    categories: HashMap<i64, String>,
}

impl Catalog {
    async fn load(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Self, DbErr> {
        let rows: Vec<(i64, String, Option<String>)> = product::Entity::find()
            .select_only()
            .columns([
                product::Column::Id,
                product::Column::Status,
                product::Column::CategoryId,
            ])
            .filter(product::Column::ShopId.eq(shop_id))
            .into_tuple()
            .all(conn)
            .await?;
        let mut catalog = Self::default();
        for (id, status, category) in rows {
            if status == "active" {
                catalog.active.insert(id);
            }
            if let Some(category) = category {
                catalog.categories.insert(id, category);
            }
        }
        Ok(catalog)
    }

    fn active(&self) -> impl Iterator<Item = i64> + '_ {
        self.active.iter().copied()
    }

    fn active_count(&self) -> i64 {
        i64::try_from(self.active.len()).unwrap_or(i64::MAX)
    }

    fn is_active(&self, product: i64) -> bool {
        self.active.contains(&product)
    }

    fn category(&self, product: i64) -> Option<&str> {
        self.categories.get(&product).map(String::as_str)
    }
}

/// Values per `IN (…)` list: far under both databases' bound-parameter limits.
const IN_LIST: usize = 500;

/// `ids` in lists of at most [`IN_LIST`], without repeats.
pub(crate) fn chunks<T: std::hash::Hash + Eq>(ids: impl IntoIterator<Item = T>) -> Vec<Vec<T>> {
    let unique: HashSet<T> = ids.into_iter().collect();
    let mut out: Vec<Vec<T>> = Vec::new();
    for id in unique {
        match out.last_mut() {
            Some(last) if last.len() < IN_LIST => last.push(id),
            _ => out.push(vec![id]),
        }
    }
    out
}

/// The start of `day`, UTC.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// Replaces the rows of `metrics` (each under its day) and the per-product rows of `day` in
/// one transaction.
async fn write(
    conn: &DatabaseConnection,
    shop_id: i64,
    day: NaiveDate,
    metrics: Vec<(NaiveDate, Metric)>,
    per_product: Vec<products::ProductDay>,
) -> Result<usize, DbErr> {
    let written = metrics.len();
    let rows = metrics
        .into_iter()
        .map(|(day, m)| metric_rollup::ActiveModel {
            shop_id: Set(shop_id),
            day: Set(day),
            surface: Set(m.surface),
            module: Set(m.module),
            arm: Set(m.arm),
            metric: Set(m.name.to_owned()),
            value: Set(m.value),
            samples: Set(m.samples),
        });
    let txn = begin_write(conn).await?;
    metric_rollup::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                metric_rollup::Column::ShopId,
                metric_rollup::Column::Day,
                metric_rollup::Column::Surface,
                metric_rollup::Column::Module,
                metric_rollup::Column::Arm,
                metric_rollup::Column::Metric,
            ])
            .update_columns([metric_rollup::Column::Value, metric_rollup::Column::Samples])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    products::replace(&txn, shop_id, day, per_product).await?;
    txn.commit().await?;
    Ok(written)
}
