//! Storage and runs of the precomputed lists: a full precompute writes a new list version in
//! chunks (progress in `job_runs`), publishes it in `models` (kind [`LISTS_KIND`]) and only
//! then removes older versions, in batches; a product's own lists can be rebuilt in place after it
//! changes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use common::Database;
use common::database::{begin_write, insert_if_absent};
use entity::{list_part, model, product, rec_list, shop};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::BuildError;
use super::pools::StoredCandidate;
use super::precompute::{ComputedList, Precomputer, Profile};
use super::profiles;
use super::store::{self, PRODUCT_SEED, SeedKey};
use crate::catalog::{CatalogView, view};
use crate::runs::JobRun;
use crate::settings::Tuning;
use crate::surface;

/// `models.kind` of a published list version.
pub const LISTS_KIND: &str = "rec_lists";
/// Seeds computed (and written in one transaction) per chunk.
const CHUNK: usize = 500;
/// Replaced list rows deleted per statement.
const PRUNE_BATCH: u64 = 5_000;
/// Parts of a full precompute at most: each part loads the shop's pools and catalog again.
pub const MAX_PARTS: u64 = 16;

/// What a full precompute did.
#[derive(Debug, Clone, Serialize)]
pub struct PrecomputeSummary {
    /// The published list version.
    pub list_version: String,
    /// The model version its pools came from.
    pub model_version: String,
    /// What its parts wrote, summed.
    #[serde(flatten)]
    pub totals: PartSummary,
}

/// Milliseconds per phase of a full precompute (summed over its parts).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct PhaseTimings {
    /// Reading pools, profiles and the catalog.
    pub load_ms: u64,
    /// Ranking on the CPU threads.
    pub compute_ms: u64,
    /// Writing list rows (including waiting for the database).
    pub write_ms: u64,
    /// Publishing the version.
    pub publish_ms: u64,
}

impl PrecomputeSummary {
    /// One line for a job run's record.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "list version {}: {} lists for {} products and {} profiles",
            self.list_version, self.totals.lists, self.totals.products, self.totals.profiles
        )
    }

    /// The summary of `plan` from its parts' records.
    fn of(plan: &Plan, parts: &[list_part::Model]) -> Self {
        let mut totals = PartSummary::default();
        for part in parts {
            let Ok(summary) = serde_json::from_value::<PartSummary>(part.summary.clone()) else {
                continue;
            };
            totals.lists += summary.lists;
            totals.products += summary.products;
            totals.profiles += summary.profiles;
            totals.timings.add(summary.timings);
        }
        Self {
            list_version: plan.list_version.clone(),
            model_version: plan.model_version.clone(),
            totals,
        }
    }
}

impl PhaseTimings {
    /// Adds another part's times (CPU-side totals, not wall-clock).
    fn add(&mut self, other: Self) {
        self.load_ms += other.load_ms;
        self.compute_ms += other.compute_ms;
        self.write_ms += other.write_ms;
        self.publish_ms += other.publish_ms;
    }
}

/// Milliseconds since `started`, saturating.
fn millis_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The versions serving reads: the latest pools, the latest published lists, and the
/// catalog's and lists' revisions (stock, status and prices move between precomputes, and a
/// changed product's lists are rebuilt in place).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    /// Pool (model) version.
    pub pools: Option<String>,
    /// List version.
    pub lists: Option<String>,
    /// Catalog revision ([`crate::catalog::revision`]).
    pub catalog: i64,
    /// List revision ([`crate::catalog::revision::bump_lists`]).
    pub list_revision: i64,
}

impl Versions {
    /// Whether a serving model built at `self` still holds for `current`: the same pools,
    /// list version and catalog (a new list revision only makes the lists it read stale).
    #[must_use]
    pub fn same_model(&self, current: &Self) -> bool {
        self.pools == current.pools
            && self.lists == current.lists
            && self.catalog == current.catalog
    }
}

/// The versions currently published for the shop.
///
/// # Errors
/// The database error.
pub async fn current(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Versions, DbErr> {
    let (catalog, list_revision) = crate::catalog::revision::current(conn, shop_id).await?;
    Ok(Versions {
        pools: store::current_version(conn, shop_id).await?,
        lists: store::ready_version(conn, shop_id, LISTS_KIND).await?,
        catalog,
        list_revision,
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

impl Seed {
    /// The part of `parts` this seed belongs to: a stable spread of products and profiles.
    fn part(&self, parts: u32) -> u32 {
        let parts = u64::from(parts.max(1));
        let key = match self {
            Self::Product(id) => id.unsigned_abs(),
            Self::Profile(profile) => fnv1a(profile.id.as_bytes()),
            Self::Global => 0,
        };
        u32::try_from(key % parts).unwrap_or(0)
    }
}

/// The products whose pools `seeds` read: the seed products and the profiles' products.
fn pooled_products(seeds: &[Seed]) -> HashSet<i64> {
    seeds
        .iter()
        .flat_map(|seed| match seed {
            Seed::Product(id) => std::slice::from_ref(id),
            Seed::Profile(profile) => profile.products.as_slice(),
            Seed::Global => &[],
        })
        .copied()
        .collect()
}

/// FNV-1a: a hash that is the same in every process and release, so every part of a run
/// agrees on which profiles are its own.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The inputs of a precompute, shared with the CPU threads.
struct Inputs {
    view: CatalogView,
    tuning: Tuning,
    pools: HashMap<i64, Vec<StoredCandidate>>,
    global: Vec<StoredCandidate>,
    now: i64,
}

impl Inputs {
    fn precomputer(&self) -> Precomputer<'_> {
        Precomputer::new(
            &self.view.catalog,
            &self.tuning,
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

/// A full precompute of a shop, split in parts that any worker process may run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The list version being written.
    pub list_version: String,
    /// The pool version its lists come from.
    pub model_version: String,
    /// How many parts: each takes every `parts`-th seed.
    pub parts: u32,
    /// When the run was planned: rows of unpublished runs older than this are removed when
    /// it publishes.
    pub started_at: DateTime<Utc>,
}

/// What one part wrote.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct PartSummary {
    /// Lists written.
    pub lists: usize,
    /// Seed products.
    pub products: usize,
    /// Shopper profiles.
    pub profiles: usize,
    /// Where the time went.
    pub timings: PhaseTimings,
}

/// Plans a full precompute from the shop's current pools: a new list version and its number
/// of parts (one per `part_products` products, at most [`MAX_PARTS`]); `None` when the shop
/// has no pools yet.
///
/// # Errors
/// The database error.
pub async fn plan(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    part_products: u64,
) -> Result<Option<Plan>, DbErr> {
    let Some(model_version) = store::current_version(conn, shop_id).await? else {
        return Ok(None);
    };
    let products = product::Entity::find()
        .filter(product::Column::ShopId.eq(shop_id))
        .count(conn)
        .await?;
    let parts = products.div_ceil(part_products.max(1)).clamp(1, MAX_PARTS);
    Ok(Some(Plan {
        list_version: store::new_version('l'),
        model_version,
        parts: u32::try_from(parts).unwrap_or(1),
        started_at: Utc::now(),
    }))
}

/// Precomputes every list of the shop in one process and one part, publishes the version
/// and removes the lists it replaces; `None` when the shop has no pools yet.
///
/// # Errors
/// [`BuildError`]; the previous list version keeps serving.
pub async fn precompute_all(
    db: &Database,
    shop_id: i64,
    run: &JobRun,
) -> Result<Option<PrecomputeSummary>, BuildError> {
    let Some(plan) = plan(&db.conn, shop_id, u64::MAX).await? else {
        return Ok(None);
    };
    let summary = precompute_part(db, shop_id, &plan, 0, run).await?;
    retire_replaced(&db.conn, shop_id, &plan).await?;
    Ok(summary)
}

/// Precomputes part `part` of `plan` (every seed whose [`part_of`] it is) and records it; the
/// part that completes the set publishes the list version and returns its summary. Its
/// caller then removes the replaced lists with [`retire_replaced`].
///
/// A part may run again (a retry after a crash): its rows are written once, and it counts
/// once.
///
/// # Errors
/// [`BuildError`]; the previous list version keeps serving.
pub async fn precompute_part(
    db: &Database,
    shop_id: i64,
    plan: &Plan,
    part: u32,
    run: &JobRun,
) -> Result<Option<PrecomputeSummary>, BuildError> {
    let conn = &db.conn;
    let now = Utc::now();
    let started = Instant::now();
    let profiles = profiles::load(conn, shop_id, now).await?;
    let view = view::load(conn, shop_id, now).await?;
    let mut seeds: Vec<Seed> = view
        .catalog
        .items()
        .iter()
        .map(|item| Seed::Product(item.external_id))
        .chain(profiles.into_iter().map(Seed::Profile))
        .chain(std::iter::once(Seed::Global))
        .filter(|seed| seed.part(plan.parts) == part)
        .collect();
    let (pools, global) = if plan.parts == 1 {
        store::all_pools(conn, shop_id, &plan.model_version).await?
    } else {
        let needed = pooled_products(&seeds);
        store::pools_of(conn, shop_id, &plan.model_version, &needed).await?
    };
    let mut summary = PartSummary {
        products: seeds
            .iter()
            .filter(|s| matches!(s, Seed::Product(_)))
            .count(),
        profiles: seeds
            .iter()
            .filter(|s| matches!(s, Seed::Profile(_)))
            .count(),
        ..PartSummary::default()
    };
    let total = i64::try_from(seeds.len()).unwrap_or(i64::MAX);
    run.progress(conn, 0, Some(total)).await?;
    summary.timings.load_ms = millis_since(started);
    let inputs = Arc::new(Inputs {
        view,
        tuning: crate::rules::tuning(conn, shop_id).await?,
        pools,
        global,
        now: now.timestamp(),
    });
    let mut done = 0;
    while !seeds.is_empty() {
        let chunk: Vec<Seed> = seeds.drain(..CHUNK.min(seeds.len())).collect();
        done += chunk.len();
        let shared = Arc::clone(&inputs);
        let started = Instant::now();
        let lists = tokio::task::spawn_blocking(move || shared.compute(&chunk)).await??;
        summary.timings.compute_ms += millis_since(started);
        summary.lists += lists.len();
        let started = Instant::now();
        write(conn, shop_id, plan, lists, now).await?;
        summary.timings.write_ms += millis_since(started);
        run.progress(conn, i64::try_from(done).unwrap_or(i64::MAX), None)
            .await?;
    }
    Ok(finish_part(conn, shop_id, plan, part, summary).await?)
}

/// Records `part` as written and, when it completes the set, publishes the list version.
/// The shop's row is locked meanwhile so that, of parts finishing together, exactly one
/// sees the set complete.
async fn finish_part(
    conn: &DatabaseConnection,
    shop_id: i64,
    plan: &Plan,
    part: u32,
    summary: PartSummary,
) -> Result<Option<PrecomputeSummary>, DbErr> {
    let txn = begin_write(conn).await?;
    shop::Entity::find_by_id(shop_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let row = list_part::ActiveModel {
        shop_id: Set(shop_id),
        list_version: Set(plan.list_version.clone()),
        part: Set(i32::try_from(part).unwrap_or(i32::MAX)),
        summary: Set(json!(summary)),
        done_at: Set(Utc::now()),
    };
    let once = OnConflict::columns([
        list_part::Column::ShopId,
        list_part::Column::ListVersion,
        list_part::Column::Part,
    ])
    .do_nothing()
    .to_owned();
    insert_if_absent(&txn, row, once).await?;
    let parts = list_part::Entity::find()
        .filter(list_part::Column::ShopId.eq(shop_id))
        .filter(list_part::Column::ListVersion.eq(plan.list_version.as_str()))
        .all(&txn)
        .await?;
    let complete = parts.len() == usize::try_from(plan.parts).unwrap_or(usize::MAX);
    let published = if complete {
        let started = Instant::now();
        let mut summary = PrecomputeSummary::of(plan, &parts);
        publish(&txn, shop_id, &summary, plan.started_at).await?;
        summary.totals.timings.publish_ms = millis_since(started);
        Some(summary)
    } else {
        None
    };
    txn.commit().await?;
    Ok(published)
}

async fn write(
    conn: &DatabaseConnection,
    shop_id: i64,
    plan: &Plan,
    lists: Vec<ComputedList>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let rows = rows(
        shop_id,
        &plan.model_version,
        &plan.list_version,
        &lists,
        now,
    );
    let txn = begin_write(conn).await?;
    store::insert(&txn, rows).await?;
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

/// Marks the version ready. The lists it replaces stay until [`retire_replaced`] removes
/// them: deleting a version's rows takes seconds at scale and need not hold the shop's lock.
async fn publish(
    txn: &DatabaseTransaction,
    shop_id: i64,
    summary: &PrecomputeSummary,
    started: DateTime<Utc>,
) -> Result<(), DbErr> {
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
    .insert(txn)
    .await?;
    // The parts' records have served their purpose, as have those of runs that died.
    list_part::Entity::delete_many()
        .filter(list_part::Column::ShopId.eq(shop_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Removes the lists that `plan`'s published version replaced: every other published
/// version, and versions of runs that started before it and never published (they died; a
/// run still writing has rows newer than `plan`'s start and keeps them). Returns the rows
/// removed.
///
/// Only the version that serves prunes: when a newer one has published meanwhile, its own
/// pruning removes both. Rows go in batches so that no one transaction holds the database
/// (SQLite's single writer, PostgreSQL's locks) for the seconds a whole version takes.
///
/// # Errors
/// The database error; what is left is removed by the next version's pruning.
pub async fn retire_replaced(
    conn: &DatabaseConnection,
    shop_id: i64,
    plan: &Plan,
) -> Result<u64, DbErr> {
    let serving = store::ready_version(conn, shop_id, LISTS_KIND).await?;
    if serving.as_deref() != Some(plan.list_version.as_str()) {
        return Ok(0);
    }
    let mut removed = 0;
    for version in replaced_versions(conn, shop_id, plan).await? {
        removed += delete_version(conn, shop_id, &version).await?;
    }
    Ok(removed)
}

/// The list versions `plan`'s version replaces (see [`retire_replaced`]).
async fn replaced_versions(
    conn: &DatabaseConnection,
    shop_id: i64,
    plan: &Plan,
) -> Result<Vec<String>, DbErr> {
    let published: HashSet<String> = model::Entity::find()
        .select_only()
        .column(model::Column::Version)
        .filter(model::Column::ShopId.eq(shop_id))
        .filter(model::Column::Kind.eq(LISTS_KIND))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    // Pools carry no list version; the index on (shop, list version, created) answers this
    // without reading the rows.
    let stored: Vec<(String, Option<DateTime<Utc>>)> = rec_list::Entity::find()
        .select_only()
        .column(rec_list::Column::ListVersion)
        .column_as(rec_list::Column::CreatedAt.max(), "newest")
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::ListVersion.ne(""))
        .filter(rec_list::Column::ListVersion.ne(plan.list_version.as_str()))
        .group_by(rec_list::Column::ListVersion)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(stored
        .into_iter()
        .filter(|(version, newest)| {
            published.contains(version) || newest.is_none_or(|at| at < plan.started_at)
        })
        .map(|(version, _)| version)
        .collect())
}

/// Deletes one list version's rows, [`PRUNE_BATCH`] at a time.
async fn delete_version(
    conn: &DatabaseConnection,
    shop_id: i64,
    version: &str,
) -> Result<u64, DbErr> {
    let batch_ids = Query::select()
        .column(rec_list::Column::Id)
        .from(rec_list::Entity)
        .and_where(rec_list::Column::ShopId.eq(shop_id))
        .and_where(rec_list::Column::ListVersion.eq(version))
        .limit(PRUNE_BATCH)
        .to_owned();
    let mut removed = 0;
    loop {
        let batch = rec_list::Entity::delete_many()
            .filter(rec_list::Column::ShopId.eq(shop_id))
            .filter(rec_list::Column::Id.in_subquery(batch_ids.clone()))
            .exec(conn)
            .await?
            .rows_affected;
        removed += batch;
        if batch < PRUNE_BATCH {
            return Ok(removed);
        }
    }
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
    let tuning = crate::rules::tuning(conn, shop_id).await?;
    let per_product: HashMap<i64, Vec<StoredCandidate>> =
        own.into_iter().map(|pool| (product_id, pool)).collect();
    let lists = Precomputer::new(
        &view.catalog,
        &tuning,
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
    crate::catalog::revision::bump_lists(&txn, shop_id).await?;
    txn.commit().await?;
    Ok(lists.len())
}
