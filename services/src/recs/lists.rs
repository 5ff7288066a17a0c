//! Storage and runs of the precomputed lists: a full precompute writes a new list version in
//! chunks (progress in `job_runs`), publishes it in `models` (kind [`LISTS_KIND`]) and only
//! then removes older versions; a product's own lists can be rebuilt in place after it
//! changes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use common::Database;
use common::database::begin_write;
use entity::{model, rec_list};
use ranker::{PolicySet, Ranker};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter,
};
use serde::Serialize;
use serde_json::json;

use super::BuildError;
use super::pools::StoredCandidate;
use super::precompute::{ComputedList, Precomputer, Profile};
use super::profiles;
use super::store::{self, POOL_SURFACE, PRODUCT_SEED, SeedKey};
use crate::catalog::{CatalogView, view};
use crate::runs::JobRun;
use crate::surface;

/// `models.kind` of a published list version.
pub const LISTS_KIND: &str = "rec_lists";
/// Seeds computed (and written in one transaction) per chunk.
const CHUNK: usize = 500;

/// What a full precompute did.
#[derive(Debug, Clone, Serialize)]
pub struct PrecomputeSummary {
    /// The published list version.
    pub list_version: String,
    /// The model version its pools came from.
    pub model_version: String,
    /// Lists written.
    pub lists: usize,
    /// Seed products.
    pub products: usize,
    /// Shopper profiles.
    pub profiles: usize,
    /// Where the time went, for the model record and benchmarks.
    pub timings: PhaseTimings,
}

/// Wall-clock milliseconds per phase of a full precompute.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct PhaseTimings {
    /// Reading pools, profiles and the catalog.
    pub load_ms: u64,
    /// Ranking on the CPU threads.
    pub compute_ms: u64,
    /// Writing list rows (including waiting for the database).
    pub write_ms: u64,
    /// Publishing the version and deleting the one it replaces.
    pub publish_ms: u64,
}

/// Milliseconds since `started`, saturating.
fn millis_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The versions serving reads: the latest pools, the latest published lists, and the
/// catalog's revision (stock, status and prices move between precomputes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    /// Pool (model) version.
    pub pools: Option<String>,
    /// List version.
    pub lists: Option<String>,
    /// Catalog revision ([`crate::catalog::revision`]).
    pub catalog: i64,
}

/// The versions currently published for the shop.
///
/// # Errors
/// The database error.
pub async fn current(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Versions, DbErr> {
    Ok(Versions {
        pools: store::current_version(conn, shop_id).await?,
        lists: store::ready_version(conn, shop_id, LISTS_KIND).await?,
        catalog: crate::catalog::revision::current(conn, shop_id).await?,
    })
}

/// A precomputed list of the given list version.
///
/// # Errors
/// The database error.
pub async fn find(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    list_version: &str,
    key: &SeedKey,
) -> Result<Option<Vec<StoredCandidate>>, DbErr> {
    store::load(conn, shop_id, store::Generation::Lists(list_version), key).await
}

/// One seed to compute.
enum Seed {
    Product(i64),
    Profile(Profile),
    Global,
}

/// The inputs of a precompute, shared with the CPU threads.
struct Inputs {
    view: CatalogView,
    ranker: Ranker,
    policies: PolicySet,
    pools: HashMap<i64, Vec<StoredCandidate>>,
    global: Vec<StoredCandidate>,
    now: i64,
}

impl Inputs {
    fn precomputer(&self) -> Precomputer<'_> {
        Precomputer::new(
            &self.view.catalog,
            &self.ranker,
            &self.policies,
            &self.pools,
            &self.global,
            self.now,
        )
    }

    /// Lists of a chunk of seeds, split over the machine's cores.
    fn compute(&self, seeds: &[Seed]) -> Result<Vec<ComputedList>, BuildError> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let per_thread = seeds.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = seeds
                .chunks(per_thread)
                .map(|part| scope.spawn(move || self.compute_serially(part)))
                .collect();
            let mut out = Vec::with_capacity(seeds.len() * 2);
            for handle in handles {
                match handle.join() {
                    Ok(lists) => out.extend(lists?),
                    Err(_panic) => return Err(BuildError::Panicked),
                }
            }
            Ok(out)
        })
    }

    fn compute_serially(&self, seeds: &[Seed]) -> Result<Vec<ComputedList>, ranker::RankerError> {
        let precomputer = self.precomputer();
        let mut out = Vec::with_capacity(seeds.len() * 2);
        for seed in seeds {
            out.extend(match seed {
                Seed::Product(id) => precomputer.product(*id)?,
                Seed::Profile(profile) => precomputer.profile(profile)?,
                Seed::Global => precomputer.global()?,
            });
        }
        Ok(out)
    }
}

/// Precomputes every list of the shop from its current pools and publishes a new list
/// version; `None` when the shop has no pools yet.
///
/// # Errors
/// [`BuildError`]; the previous list version keeps serving.
pub async fn precompute_all(
    db: &Database,
    shop_id: i64,
    run: &JobRun,
) -> Result<Option<PrecomputeSummary>, BuildError> {
    let conn = &db.conn;
    let Some(model_version) = store::current_version(conn, shop_id).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let mut timings = PhaseTimings::default();
    let started = Instant::now();
    let (pools, global) = store::all_pools(conn, shop_id, &model_version).await?;
    let profiles = profiles::load(conn, shop_id, now).await?;
    let view = view::load(conn, shop_id, now).await?;
    let mut seeds: Vec<Seed> = view
        .catalog
        .items()
        .iter()
        .map(|item| Seed::Product(item.external_id))
        .collect();
    let (products, profile_count) = (seeds.len(), profiles.len());
    seeds.extend(profiles.into_iter().map(Seed::Profile));
    seeds.push(Seed::Global);
    let total = i64::try_from(seeds.len()).unwrap_or(i64::MAX);
    run.progress(conn, 0, Some(total)).await?;
    timings.load_ms = millis_since(started);
    let inputs = Arc::new(Inputs {
        view,
        ranker: Ranker::builder().build()?,
        policies: PolicySet::default(),
        pools,
        global,
        now: now.timestamp(),
    });
    let list_version = store::new_version('l');
    let mut written = 0;
    let mut done = 0;
    let mut seeds = seeds.into_iter().peekable();
    while seeds.peek().is_some() {
        let chunk: Vec<Seed> = seeds.by_ref().take(CHUNK).collect();
        done += chunk.len();
        let shared = Arc::clone(&inputs);
        let started = Instant::now();
        let lists = tokio::task::spawn_blocking(move || shared.compute(&chunk)).await??;
        timings.compute_ms += millis_since(started);
        written += lists.len();
        let started = Instant::now();
        write(conn, shop_id, &model_version, &list_version, lists, now).await?;
        timings.write_ms += millis_since(started);
        run.progress(conn, i64::try_from(done).unwrap_or(i64::MAX), None)
            .await?;
    }
    let mut summary = PrecomputeSummary {
        list_version,
        model_version,
        lists: written,
        products,
        profiles: profile_count,
        timings,
    };
    let started = Instant::now();
    publish(conn, shop_id, &summary, now).await?;
    summary.timings.publish_ms = millis_since(started);
    Ok(Some(summary))
}

async fn write(
    conn: &DatabaseConnection,
    shop_id: i64,
    model_version: &str,
    list_version: &str,
    lists: Vec<ComputedList>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = begin_write(conn).await?;
    store::insert(
        &txn,
        rows(shop_id, model_version, list_version, &lists, now),
    )
    .await?;
    txn.commit().await
}

fn rows(
    shop_id: i64,
    model_version: &str,
    list_version: &str,
    lists: &[ComputedList],
    now: DateTime<Utc>,
) -> Vec<rec_list::ActiveModel> {
    lists
        .iter()
        .map(|l| store::new_row(shop_id, &l.key, model_version, list_version, &l.items, now))
        .collect()
}

/// Marks the version ready and removes the lists it replaces: every other published version,
/// and rows of runs that started before this one and never published (they died). A run that
/// started later and is still writing keeps its rows.
async fn publish(
    conn: &DatabaseConnection,
    shop_id: i64,
    summary: &PrecomputeSummary,
    started: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = begin_write(conn).await?;
    model::ActiveModel {
        id: NotSet,
        shop_id: Set(shop_id),
        kind: Set(LISTS_KIND.into()),
        version: Set(summary.list_version.clone()),
        status: Set("ready".into()),
        params: Set(json!({
            "model_version": summary.model_version,
            "policy_version": ranker::policy::POLICY_VERSION,
        })),
        metrics: Set(json!(summary)),
        started_at: Set(started),
        trained_at: Set(Some(Utc::now())),
    }
    .insert(&txn)
    .await?;
    let published = Query::select()
        .column(model::Column::Version)
        .from(model::Entity)
        .and_where(model::Column::ShopId.eq(shop_id))
        .and_where(model::Column::Kind.eq(LISTS_KIND))
        .to_owned();
    rec_list::Entity::delete_many()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::Surface.ne(POOL_SURFACE))
        .filter(rec_list::Column::ListVersion.ne(summary.list_version.as_str()))
        .filter(
            Condition::any()
                .add(rec_list::Column::ListVersion.in_subquery(published))
                .add(rec_list::Column::CreatedAt.lt(started)),
        )
        .exec(&txn)
        .await?;
    txn.commit().await
}

/// Rebuilds one product's own lists in the published list version (after the product
/// changed); returns how many lists were written, 0 when nothing is published yet.
///
/// # Errors
/// [`BuildError`].
pub async fn precompute_product(
    db: &Database,
    shop_id: i64,
    product_id: i64,
) -> Result<usize, BuildError> {
    let conn = &db.conn;
    let versions = current(conn, shop_id).await?;
    let (Some(model_version), Some(list_version)) = (versions.pools, versions.lists) else {
        return Ok(0);
    };
    let now = Utc::now();
    let pools = store::Generation::Pools(&model_version);
    let own = store::load(conn, shop_id, pools, &SeedKey::product_pool(product_id)).await?;
    let global = store::load(conn, shop_id, pools, &SeedKey::global_pool())
        .await?
        .unwrap_or_default();
    let view = view::load(conn, shop_id, now).await?;
    let ranker = Ranker::builder().build()?;
    let policies = PolicySet::default();
    let per_product: HashMap<i64, Vec<StoredCandidate>> =
        own.into_iter().map(|pool| (product_id, pool)).collect();
    let lists = Precomputer::new(
        &view.catalog,
        &ranker,
        &policies,
        &per_product,
        &global,
        now.timestamp(),
    )
    .product(product_id)?;
    let surfaces = surface::PER_PRODUCT.map(surface::name);
    let txn = begin_write(conn).await?;
    // A deleted product keeps no lists of its own; one still in the catalog gets fresh ones.
    rec_list::Entity::delete_many()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::ListVersion.eq(list_version.as_str()))
        .filter(rec_list::Column::Surface.is_in(surfaces))
        .filter(rec_list::Column::SeedKind.eq(PRODUCT_SEED))
        .filter(rec_list::Column::SeedId.eq(product_id.to_string()))
        .exec(&txn)
        .await?;
    let rows = rows(shop_id, &model_version, &list_version, &lists, now);
    store::insert(&txn, rows).await?;
    txn.commit().await?;
    Ok(lists.len())
}
