//! Per-shop serving models kept in memory: the ranker's catalog, the merchant's settings
//! applied (rankers and policies), product display data, the search index and the
//! precomputed lists read so far, reloaded when a new pool or list version is published or
//! the catalog changed (a stock-out, an archive, a new price: see
//! `services::catalog::revision`). A settings save swaps only the settings, in place.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock as SyncRwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::product;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use services::catalog::{CatalogView, view};
use services::category::CategoryPolicies;
use services::recs::lists::{self, Versions};
use services::rules;
use services::search::{SearchIndex, SearchPolicies};
use services::settings::Tuning;
use tokio::sync::{Mutex, RwLock};

use super::experiment_cache::ExperimentCache;
use super::impressions::ImpressionLog;
use super::lists::{LIST_CAPACITY, ListCache};
use super::sessions::SessionWindow;
use crate::error::ApiError;

/// How often a cached model checks for a newer pool or list version or catalog revision,
/// unless configured (`server.model_recheck_secs`).
const RECHECK: Duration = Duration::from_secs(30);

/// What a product card shows.
#[derive(Debug, Clone)]
pub struct Display {
    /// Title.
    pub title: String,
    /// URL handle.
    pub handle: String,
    /// Brand.
    pub brand: String,
    /// Placeholder colour for shops without images (the demo).
    pub hue: u16,
    /// Main image.
    pub image_url: Option<String>,
}

/// Everything needed to serve one shop.
pub struct ShopModel {
    /// Published pool and list versions; both `None` before the first training (cold start).
    pub versions: Versions,
    /// Catalog and derived facts.
    pub view: Arc<CatalogView>,
    /// The merchant's settings applied, and the saved versions they came from; swapped
    /// in place when a save is noticed.
    tuning: SyncRwLock<Tuned>,
    /// Display data per product id.
    pub display: HashMap<i64, Display>,
    /// Precomputed lists of [`ShopModel::versions`]`.lists` read so far.
    pub lists: ListCache,
    /// Where served lists are logged as impressions.
    pub impressions: ImpressionLog,
    /// The sessions' recent events, where this process holds them all (`None`: serving asks
    /// the database).
    pub sessions: Option<Arc<SessionWindow>>,
    /// The text index over [`ShopModel::view`]'s products, rebuilt with it.
    pub search: SearchIndex,
    /// The search surface's policies.
    pub search_policies: SearchPolicies,
    /// The category surface's policies.
    pub category_policies: CategoryPolicies,
    /// Running experiments and shoppers' arms.
    pub experiments: ExperimentCache,
}

/// Settings and rules applied, with the stamp ([`rules::stamp`]) they were read at.
#[derive(Clone)]
struct Tuned {
    stamp: Vec<(String, i64)>,
    tuning: Arc<Tuning>,
}

impl ShopModel {
    /// The settings in force: policies, rankers and module titles.
    pub fn tuning(&self) -> Arc<Tuning> {
        self.tuned().tuning
    }

    fn tuned(&self) -> Tuned {
        self.tuning
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Reads the shop's settings and rules again when a change happened since they were
    /// read.
    async fn refresh_tuning(
        &self,
        conn: &DatabaseConnection,
        shop_id: i64,
    ) -> Result<(), ApiError> {
        let stamp = rules::stamp(conn, shop_id).await?;
        if stamp == self.tuned().stamp {
            return Ok(());
        }
        let fresh = tuned(conn, shop_id, stamp).await?;
        *self.tuning.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(())
    }
}

async fn tuned(
    conn: &DatabaseConnection,
    shop_id: i64,
    stamp: Vec<(String, i64)>,
) -> Result<Tuned, ApiError> {
    let tuning = rules::tuning(conn, shop_id)
        .await
        .map_err(ApiError::internal)?;
    Ok(Tuned {
        stamp,
        tuning: Arc::new(tuning),
    })
}

struct Entry {
    checked: Instant,
    model: Arc<ShopModel>,
}

/// The cache, shared by all workers of the HTTP server.
pub struct ModelCache {
    shops: RwLock<HashMap<i64, Entry>>,
    /// Held while a model is (re)loaded, so a burst of requests after a start or a publish
    /// loads it once instead of once per request (which exhausts the pool and the CPU).
    loading: Mutex<()>,
    impressions: ImpressionLog,
    sessions: Option<Arc<SessionWindow>>,
    recheck: Duration,
}

impl ModelCache {
    /// An empty cache whose models log impressions to `impressions`.
    #[must_use]
    pub fn new(impressions: ImpressionLog) -> Self {
        Self {
            shops: RwLock::default(),
            loading: Mutex::default(),
            impressions,
            sessions: None,
            recheck: RECHECK,
        }
    }

    /// The same, its models reading the sessions' recent events from `sessions`.
    #[must_use]
    pub fn with_sessions(mut self, sessions: Arc<SessionWindow>) -> Self {
        self.sessions = Some(sessions);
        self
    }

    /// The same, checking for new versions after `recheck` instead of 30 s.
    #[must_use]
    pub fn with_recheck(mut self, recheck: Duration) -> Self {
        self.recheck = recheck;
        self
    }

    /// The shop's model, loading or reloading it when a new version exists.
    ///
    /// # Errors
    /// [`ApiError`] when the database cannot be read or the ranker cannot be built.
    pub async fn get(
        &self,
        conn: &DatabaseConnection,
        shop_id: i64,
    ) -> Result<Arc<ShopModel>, ApiError> {
        self.checked(conn, shop_id, false).await
    }

    /// Checks the shop's model now rather than at the next recheck (after a settings save,
    /// so the merchant sees it at once on this process; others notice within the recheck).
    ///
    /// # Errors
    /// As [`ModelCache::get`].
    pub async fn recheck_now(
        &self,
        conn: &DatabaseConnection,
        shop_id: i64,
    ) -> Result<Arc<ShopModel>, ApiError> {
        self.checked(conn, shop_id, true).await
    }

    async fn checked(
        &self,
        conn: &DatabaseConnection,
        shop_id: i64,
        now: bool,
    ) -> Result<Arc<ShopModel>, ApiError> {
        let cached = self.cached(shop_id).await;
        if let Some((model, true)) = &cached
            && !now
        {
            return Ok(model.clone());
        }
        let _loading = match (self.loading.try_lock(), cached) {
            (Ok(guard), _) => guard,
            // Another request is checking for a new version: serve the current one meanwhile.
            (Err(_), Some((model, _))) if !now => return Ok(model),
            (Err(_), _) => self.loading.lock().await,
        };
        // Another request may have loaded the model while this one waited.
        if let Some((model, true)) = self.cached(shop_id).await
            && !now
        {
            return Ok(model);
        }
        let versions = lists::current(conn, shop_id).await?;
        if let Some(entry) = self.shops.write().await.get_mut(&shop_id)
            && entry.model.versions.same_model(&versions)
        {
            entry.model.lists.follow(versions.list_revision);
            entry.model.refresh_tuning(conn, shop_id).await?;
            entry.checked = Instant::now();
            return Ok(entry.model.clone());
        }
        let model = Arc::new(
            load(
                conn,
                shop_id,
                versions,
                self.impressions.clone(),
                self.sessions.clone(),
            )
            .await?,
        );
        self.shops.write().await.insert(
            shop_id,
            Entry {
                checked: Instant::now(),
                model: model.clone(),
            },
        );
        Ok(model)
    }

    /// The shop's cached model, and whether it was checked within the recheck interval.
    async fn cached(&self, shop_id: i64) -> Option<(Arc<ShopModel>, bool)> {
        let shops = self.shops.read().await;
        let entry = shops.get(&shop_id)?;
        Some((entry.model.clone(), entry.checked.elapsed() < self.recheck))
    }
}

async fn load(
    conn: &DatabaseConnection,
    shop_id: i64,
    versions: Versions,
    impressions: ImpressionLog,
    sessions: Option<Arc<SessionWindow>>,
) -> Result<ShopModel, ApiError> {
    let view = Arc::new(view::load(conn, shop_id, Utc::now()).await?);
    let display = product::Entity::find()
        .filter(product::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| {
            let hue = p.attributes["image_hue"]
                .as_u64()
                .and_then(|h| u16::try_from(h).ok())
                .unwrap_or(0);
            (
                p.id,
                Display {
                    title: p.title,
                    handle: p.handle,
                    brand: p.brand,
                    hue,
                    image_url: p.image_url,
                },
            )
        })
        .collect();
    let stamp = rules::stamp(conn, shop_id).await?;
    let tuning = SyncRwLock::new(tuned(conn, shop_id, stamp).await?);
    let search = services::search::load(conn, shop_id, Arc::clone(&view))
        .await
        .map_err(ApiError::internal)?;
    let lists = ListCache::new(LIST_CAPACITY, versions.list_revision);
    Ok(ShopModel {
        versions,
        view,
        tuning,
        display,
        lists,
        impressions,
        sessions,
        search,
        search_policies: SearchPolicies::new().map_err(ApiError::internal)?,
        category_policies: CategoryPolicies::new().map_err(ApiError::internal)?,
        experiments: ExperimentCache::default(),
    })
}
