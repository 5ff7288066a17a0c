//! What the admin's onboarding page shows: how much of the catalog is stored, the progress
//! of every sync phase (done, total, rate, time left) and of the variants the products
//! phase brings, the web pixel's and the lists' readiness, the Klaviyo connection, and the
//! merchant's next step.

mod next;

use chrono::{DateTime, Utc};
use entity::{collection, order, product, shop, sync_run, variant};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

use crate::email::{self, AccountStatus};
use crate::recs::lists;

pub use next::{NextStep, PixelState, Step, WebPixel, next_step};

/// Stored catalog rows.
#[derive(Debug, Serialize)]
pub struct Counts {
    /// Active and archived products.
    pub products: u64,
    /// Their variants.
    pub variants: u64,
    /// Collections.
    pub collections: u64,
    /// Orders (the last 60 days at install, then every new one).
    pub orders: u64,
}

/// The newest run of one sync phase.
#[derive(Debug, Serialize)]
pub struct SyncPhase {
    /// `full:products`, `reconcile:orders`, `demo`, …
    pub kind: String,
    /// `running`, `succeeded`, `failed`, …
    pub status: String,
    /// Rows ingested.
    pub done: i64,
    /// Rows expected, when known.
    pub total: Option<i64>,
    /// Rows per second so far.
    pub rate_per_sec: Option<f64>,
    /// Seconds left at that rate, while running with a known total.
    pub eta_secs: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub finished_at: Option<DateTime<Utc>>,
}

/// The variants the products phase brings (its rows count products and variants
/// together, so the admin shows them on a line of their own).
#[derive(Debug, Serialize)]
pub struct VariantsLine {
    /// The phase that brings them (`full:products`, `demo`, …).
    pub phase: String,
    /// Variants stored.
    pub done: u64,
    /// Variants expected: known once the phase has finished (Shopify counts products and
    /// variants together while it runs).
    pub total: Option<u64>,
}

impl VariantsLine {
    /// The line under the newest phase that brings products, if any ran.
    fn under(sync: &[SyncPhase], stored: u64) -> Option<Self> {
        let phase = sync
            .iter()
            .find(|p| p.kind.ends_with("products") || p.kind == "demo")?;
        Some(Self {
            phase: phase.kind.clone(),
            done: stored,
            total: (phase.status == "succeeded").then_some(stored),
        })
    }
}

/// The onboarding state of a shop.
#[derive(Debug, Serialize)]
pub struct Onboarding {
    /// Stored catalog rows.
    pub counts: Counts,
    /// The newest run of each sync phase.
    pub sync: Vec<SyncPhase>,
    /// The variants under the products phase.
    pub variants: Option<VariantsLine>,
    /// The web pixel.
    pub web_pixel: WebPixel,
    /// What the merchant should do next.
    pub next_step: NextStep,
    /// Published pool version (models trained).
    pub model_version: Option<String>,
    /// Published list version (first lists ready).
    pub list_version: Option<String>,
    /// The Klaviyo connection, if any.
    pub klaviyo: Option<AccountStatus>,
}

/// Reads the onboarding state of `shop` at `now`.
///
/// # Errors
/// The database's.
pub async fn load(
    conn: &impl ConnectionTrait,
    shop: &shop::Model,
    now: DateTime<Utc>,
) -> Result<Onboarding, DbErr> {
    let shop_id = shop.id;
    let counts = Counts {
        products: count::<product::Entity>(conn, product::Column::ShopId, shop_id).await?,
        variants: count::<variant::Entity>(conn, variant::Column::ShopId, shop_id).await?,
        collections: count::<collection::Entity>(conn, collection::Column::ShopId, shop_id).await?,
        orders: count::<order::Entity>(conn, order::Column::ShopId, shop_id).await?,
    };
    let runs = sync_run::Entity::find()
        .filter(sync_run::Column::ShopId.eq(shop_id))
        .order_by_desc(sync_run::Column::Id)
        .all(conn)
        .await?;
    let mut sync: Vec<SyncPhase> = Vec::new();
    for run in runs {
        if !sync.iter().any(|phase| phase.kind == run.kind) {
            sync.push(phase(run, now));
        }
    }
    let versions = lists::current(conn, shop_id).await?;
    let klaviyo = email::status(conn, shop_id).await?;
    let runs = crate::runs::latest(conn, shop_id).await?;
    let web_pixel = WebPixel::from_runs(shop.is_demo, &runs);
    let next_step = next_step(&sync, web_pixel.status, versions.lists.is_some());
    Ok(Onboarding {
        variants: VariantsLine::under(&sync, counts.variants),
        counts,
        sync,
        web_pixel,
        next_step,
        model_version: versions.pools,
        list_version: versions.lists,
        klaviyo,
    })
}

async fn count<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    column: impl ColumnTrait,
    shop_id: i64,
) -> Result<u64, DbErr>
where
    E::Model: Sync,
{
    E::find().filter(column.eq(shop_id)).count(conn).await
}

/// A sync run with its rate and time left.
fn phase(run: sync_run::Model, now: DateTime<Utc>) -> SyncPhase {
    let end = run.finished_at.unwrap_or(now);
    let secs = (end - run.started_at).num_milliseconds() as f64 / 1000.0;
    let rate = (secs > 0.0 && run.rows_done > 0).then(|| run.rows_done as f64 / secs);
    let eta = match (run.status.as_str(), run.rows_total, rate) {
        ("running", Some(total), Some(rate)) => {
            Some(((total - run.rows_done).max(0) as f64 / rate).ceil() as i64)
        }
        _ => None,
    };
    SyncPhase {
        kind: run.kind,
        status: run.status,
        done: run.rows_done,
        total: run.rows_total,
        rate_per_sec: rate,
        eta_secs: eta,
        error: run.error,
        started_at: run.started_at,
        finished_at: run.finished_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_phase_reports_its_rate_and_time_left() {
        let now = Utc::now();
        let run = sync_run::Model {
            id: 1,
            shop_id: 1,
            kind: "full:products".into(),
            status: "running".into(),
            bulk_operation_id: None,
            rows_done: 100,
            rows_total: Some(400),
            cursor: None,
            error: None,
            started_at: now - chrono::Duration::seconds(10),
            finished_at: None,
        };

        let phase = phase(run, now);

        assert_eq!(phase.rate_per_sec, Some(10.0));
        assert_eq!(phase.eta_secs, Some(30));
    }
}
