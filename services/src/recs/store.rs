//! Versioned storage in `rec_lists`: the candidate pools of a model version (surface
//! [`POOL_SURFACE`]) and the precomputed lists of a list version (see [`super::lists`]). A new
//! version is written completely, then marked ready in `models`, and only then are older
//! versions removed, so serving never sees a half-built set.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use common::database::begin_write;
use entity::{model, rec_list};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::pools::{Pools, StoredCandidate};

/// `models.kind` of the candidate pools.
pub const MODEL_KIND: &str = "candidate_pools";
/// `rec_lists.surface` of candidate pools (precomputed lists carry their real surface).
pub const POOL_SURFACE: &str = "pool";
/// `rec_lists.seed_kind` of a list about one product.
pub const PRODUCT_SEED: &str = "product";
/// `rec_lists.seed_kind` of a list about one shopper.
pub const PROFILE_SEED: &str = "profile";
/// `rec_lists.seed_kind` (with seed id `*`) of the shop-wide list.
pub const GLOBAL_SEED: &str = "global";
/// Rows per INSERT.
const BATCH: usize = 200;

/// Stores `pools` as a new version and retires older ones; returns the version.
///
/// # Errors
/// The database error; a failed write leaves the previous version serving.
pub async fn save(
    conn: &DatabaseConnection,
    shop_id: i64,
    pools: &Pools,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let version = new_version('v');
    let row =
        |key: SeedKey, items: &[StoredCandidate]| new_row(shop_id, &key, &version, "", items, now);
    let mut rows = vec![row(SeedKey::global_pool(), &pools.global)];
    rows.extend(
        pools
            .per_product
            .iter()
            .map(|(id, items)| row(SeedKey::product_pool(*id), items)),
    );
    let txn = begin_write(conn).await?;
    insert(&txn, rows).await?;
    model::ActiveModel {
        id: NotSet,
        shop_id: Set(shop_id),
        kind: Set(MODEL_KIND.into()),
        version: Set(version.clone()),
        status: Set("ready".into()),
        params: Set(json!({"history_days": 90, "normalisation": "jaccard"})),
        metrics: Set(json!(pools.stats)),
        started_at: Set(now),
        trained_at: Set(Some(Utc::now())),
    }
    .insert(&txn)
    .await?;
    // Older pools go; lists built from them keep serving until the next precompute.
    rec_list::Entity::delete_many()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::Surface.eq(POOL_SURFACE))
        .filter(rec_list::Column::ModelVersion.ne(version.as_str()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(version)
}

/// Where a list belongs: surface and seed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeedKey {
    /// `pool` or a serving surface.
    pub surface: String,
    /// [`PRODUCT_SEED`], [`PROFILE_SEED`] or [`GLOBAL_SEED`].
    pub kind: String,
    /// Product id, profile id or `*`.
    pub id: String,
}

impl SeedKey {
    /// A key from its parts.
    #[must_use]
    pub fn new(surface: &str, kind: &str, id: impl Into<String>) -> Self {
        Self {
            surface: surface.to_owned(),
            kind: kind.to_owned(),
            id: id.into(),
        }
    }

    /// The candidate pool of product `id`.
    #[must_use]
    pub fn product_pool(id: i64) -> Self {
        Self::new(POOL_SURFACE, PRODUCT_SEED, id.to_string())
    }

    /// The shop-wide candidate pool.
    #[must_use]
    pub fn global_pool() -> Self {
        Self::new(POOL_SURFACE, GLOBAL_SEED, "*")
    }
}

/// A row of `rec_lists` ready to insert.
pub(super) fn new_row(
    shop_id: i64,
    key: &SeedKey,
    model_version: &str,
    list_version: &str,
    items: &[StoredCandidate],
    now: DateTime<Utc>,
) -> rec_list::ActiveModel {
    rec_list::ActiveModel {
        id: NotSet,
        shop_id: Set(shop_id),
        surface: Set(key.surface.clone()),
        seed_kind: Set(key.kind.clone()),
        seed_id: Set(key.id.clone()),
        model_version: Set(model_version.to_owned()),
        policy_version: Set(ranker::policy::POLICY_VERSION.to_string()),
        list_version: Set(list_version.to_owned()),
        items: Set(json!(items)),
        created_at: Set(now),
    }
}

/// Inserts rows in batches (inside the caller's transaction).
pub(super) async fn insert(
    conn: &impl ConnectionTrait,
    rows: Vec<rec_list::ActiveModel>,
) -> Result<(), DbErr> {
    // A retried precompute part writes the lists of its chunks that made it before again:
    // computed from the same pools, they are kept as they are.
    let same_seed_and_version = OnConflict::columns([
        rec_list::Column::ShopId,
        rec_list::Column::Surface,
        rec_list::Column::SeedKind,
        rec_list::Column::SeedId,
        rec_list::Column::ModelVersion,
        rec_list::Column::ListVersion,
    ])
    .do_nothing()
    .to_owned();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(BATCH).collect();
        rec_list::Entity::insert_many(batch)
            .on_conflict(same_seed_and_version.clone())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The pool version currently served for the shop, if any.
///
/// # Errors
/// The database error.
pub async fn current_version(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<Option<String>, DbErr> {
    ready_version(conn, shop_id, MODEL_KIND).await
}

/// The newest ready version of a kind of `models` row.
///
/// # Errors
/// The database error.
pub async fn ready_version(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    kind: &str,
) -> Result<Option<String>, DbErr> {
    Ok(latest_ready(conn, shop_id, kind).await?.map(|m| m.version))
}

/// The newest ready `models` row of a kind.
///
/// # Errors
/// The database error.
pub async fn latest_ready(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    kind: &str,
) -> Result<Option<model::Model>, DbErr> {
    model::Entity::find()
        .filter(model::Column::ShopId.eq(shop_id))
        .filter(model::Column::Kind.eq(kind))
        .filter(model::Column::Status.eq("ready"))
        .order_by_desc(model::Column::Id)
        .one(conn)
        .await
}

/// A new pool (`v…`) or list (`l…`) version id: a UUIDv7 after the prefix, so ids sort by
/// creation time and two runs started in the same millisecond still get different ids.
#[must_use]
pub fn new_version(prefix: char) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

/// Which set of stored rows to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation<'a> {
    /// The candidate pools of a model version.
    Pools(&'a str),
    /// The precomputed lists of a list version.
    Lists(&'a str),
}

/// The stored items of one seed in one generation.
///
/// # Errors
/// The database error.
pub async fn load(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    generation: Generation<'_>,
    key: &SeedKey,
) -> Result<Option<Vec<StoredCandidate>>, DbErr> {
    let select = rec_list::Entity::find().filter(rec_list::Column::ShopId.eq(shop_id));
    let select = match generation {
        Generation::Pools(version) => select
            .filter(rec_list::Column::ModelVersion.eq(version))
            .filter(rec_list::Column::ListVersion.eq("")),
        Generation::Lists(version) => select.filter(rec_list::Column::ListVersion.eq(version)),
    };
    let list = select
        .filter(rec_list::Column::Surface.eq(key.surface.as_str()))
        .filter(rec_list::Column::SeedKind.eq(key.kind.as_str()))
        .filter(rec_list::Column::SeedId.eq(key.id.as_str()))
        .one(conn)
        .await?;
    Ok(list.and_then(|l| decode(l.items)))
}

/// The pools of a model version by product id, and the shop-wide pool.
pub type VersionPools = (HashMap<i64, Vec<StoredCandidate>>, Vec<StoredCandidate>);

/// Every pool of a model version: per product id, and the shop-wide one.
///
/// # Errors
/// The database error.
pub async fn all_pools(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    version: &str,
) -> Result<VersionPools, DbErr> {
    read_pools(conn, shop_id, version, None).await
}

/// The pools of `products` and the shop-wide pool of a model version (a part of a
/// precompute decodes only what its seeds need). One scan of the version's pools: lookups
/// by lists of ids took seconds each on PostgreSQL at 100,000 products.
///
/// # Errors
/// The database error.
pub async fn pools_of(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    version: &str,
    products: &HashSet<i64>,
) -> Result<VersionPools, DbErr> {
    read_pools(conn, shop_id, version, Some(products)).await
}

/// One pool row as read: seed kind, seed id, items as JSON text.
type PoolRow = (String, String, String);

/// Reads the version's pool rows with their items as text and decodes the wanted ones on
/// every core. Decoding was most of the load: at 100,000 products PostgreSQL sends the
/// rows in ~5 s, and parsing them through `serde_json::Value` on one thread took ~30 s.
async fn read_pools(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    version: &str,
    only: Option<&HashSet<i64>>,
) -> Result<VersionPools, DbErr> {
    let rows: Vec<PoolRow> = rec_list::Entity::find()
        .select_only()
        .column(rec_list::Column::SeedKind)
        .column(rec_list::Column::SeedId)
        .column_as(
            Expr::col(rec_list::Column::Items).cast_as(Alias::new("text")),
            "items",
        )
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::ModelVersion.eq(version))
        .filter(rec_list::Column::Surface.eq(POOL_SURFACE))
        .into_tuple()
        .all(conn)
        .await?;
    let wanted: Vec<PoolRow> = rows
        .into_iter()
        .filter(|(kind, id, _)| {
            kind == GLOBAL_SEED
                || only
                    .is_none_or(|products| id.parse().is_ok_and(|id: i64| products.contains(&id)))
        })
        .collect();
    tokio::task::spawn_blocking(move || decode_pools(&wanted))
        .await
        .map_err(|err| DbErr::Custom(format!("decoding pools stopped: {err}")))
}

/// Decodes pool rows into per-product pools and the shop-wide one, split over the cores.
fn decode_pools(rows: &[PoolRow]) -> VersionPools {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per_thread = rows.len().div_ceil(threads).max(1);
    let decoded: Vec<Vec<(&str, &str, Vec<StoredCandidate>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(kind, id, items)| {
                            Some((kind.as_str(), id.as_str(), decode_text(items)?))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|handle| handle.join().ok())
            .collect()
    });
    let mut pools: VersionPools = (HashMap::with_capacity(rows.len()), Vec::new());
    for (kind, id, items) in decoded.into_iter().flatten() {
        if kind == GLOBAL_SEED {
            pools.1 = items;
        } else if let Ok(id) = id.parse::<i64>() {
            pools.0.insert(id, items);
        }
    }
    pools
}

/// Items stored as JSON text; like [`decode`], an outdated format reads as missing.
fn decode_text(items: &str) -> Option<Vec<StoredCandidate>> {
    serde_json::from_str(items).ok()
}

/// Items of a stored row; a row in an outdated format reads as missing (and is rebuilt by
/// the next run) rather than failing the request.
fn decode(items: serde_json::Value) -> Option<Vec<StoredCandidate>> {
    serde_json::from_value(items).ok()
}

#[cfg(test)]
mod tests {
    use super::new_version;

    #[test]
    fn versions_made_in_the_same_millisecond_differ_and_sort_in_order() {
        let versions: Vec<String> = (0..1_000).map(|_| new_version('l')).collect();
        let mut sorted = versions.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, versions);
    }
}
