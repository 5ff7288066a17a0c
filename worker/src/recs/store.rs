//! Versioned storage of candidate pools: a new version is written completely, then marked
//! ready, and only then are older versions removed, so serving never sees a half-built set.

use chrono::{DateTime, Utc};
use entity::{model, rec_list};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::json;

use super::pools::{Pools, StoredCandidate};

/// `models.kind` of the candidate pools.
pub const MODEL_KIND: &str = "candidate_pools";
/// Surface the per-product pools serve (product pages; cart and email reuse them).
pub const PRODUCT_SURFACE: &str = "pdp";
/// Surface of the shop-wide pool.
pub const GLOBAL_SURFACE: &str = "home";
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
    let version = format!("v{}", now.timestamp_millis());
    let policy = ranker::policy::POLICY_VERSION.to_string();
    let row = |surface: &str, kind: &str, seed: String, items: &[StoredCandidate]| {
        rec_list::ActiveModel {
            id: NotSet,
            shop_id: Set(shop_id),
            surface: Set(surface.to_owned()),
            seed_kind: Set(kind.to_owned()),
            seed_id: Set(seed),
            model_version: Set(version.clone()),
            policy_version: Set(policy.clone()),
            items: Set(json!(items)),
            created_at: Set(now),
        }
    };
    let mut rows = vec![row(GLOBAL_SURFACE, "global", "*".into(), &pools.global)];
    rows.extend(
        pools
            .per_product
            .iter()
            .map(|(id, items)| row(PRODUCT_SURFACE, "product", id.to_string(), items)),
    );
    let txn = conn.begin().await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(BATCH).collect();
        rec_list::Entity::insert_many(batch)
            .exec_without_returning(&txn)
            .await?;
    }
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
    rec_list::Entity::delete_many()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::ModelVersion.ne(version.as_str()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(version)
}

/// The version currently served for the shop, if any.
///
/// # Errors
/// The database error.
pub async fn current_version(
    conn: &DatabaseConnection,
    shop_id: i64,
) -> Result<Option<String>, DbErr> {
    Ok(model::Entity::find()
        .filter(model::Column::ShopId.eq(shop_id))
        .filter(model::Column::Kind.eq(MODEL_KIND))
        .filter(model::Column::Status.eq("ready"))
        .order_by_desc(model::Column::Id)
        .one(conn)
        .await?
        .map(|m| m.version))
}

/// The stored pool for a seed, in the given version.
///
/// # Errors
/// The database error.
pub async fn pool(
    conn: &DatabaseConnection,
    shop_id: i64,
    version: &str,
    surface: &str,
    seed_id: &str,
) -> Result<Option<Vec<StoredCandidate>>, DbErr> {
    let list = rec_list::Entity::find()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::ModelVersion.eq(version))
        .filter(rec_list::Column::Surface.eq(surface))
        .filter(rec_list::Column::SeedId.eq(seed_id))
        .one(conn)
        .await?;
    Ok(list.and_then(|l| serde_json::from_value(l.items).ok()))
}
