//! Precomputed lists kept in memory, one bounded cache per shop model (and so per published
//! list version: a new version gets a new model and an empty cache). Misses are cached too:
//! a home request first looks for the shopper's own list, which most shoppers do not have.
//!
//! A product's lists can be rebuilt in place, inside the same version, after the product
//! changes (`precompute_product`), which bumps the shop's list revision. Each entry keeps the
//! revision it was read at, and the model's recheck passes the current one on
//! ([`ListCache::follow`]): entries of an older revision are read again, the others are kept
//! for as long as the version is served.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use quick_cache::sync::Cache;
use sea_orm::{ConnectionTrait, DbErr};
use services::recs::lists;
use services::recs::pools::StoredCandidate;
use services::recs::store::SeedKey;

/// Lists kept per shop: a 3,200-product shop has about 9,500, at roughly 1 KiB each.
pub const LIST_CAPACITY: usize = 16_384;

/// A stored list, or the fact that there is none.
pub type CachedList = Option<Arc<[StoredCandidate]>>;

/// The lists of one shop's list version.
pub struct ListCache {
    /// Each list with the list revision it was read at.
    entries: Cache<SeedKey, (i64, CachedList)>,
    /// The shop's list revision as last seen.
    revision: AtomicI64,
}

impl Default for ListCache {
    fn default() -> Self {
        Self::new(LIST_CAPACITY, 0)
    }
}

impl ListCache {
    /// A cache of at most `capacity` lists of a version at list revision `revision`.
    #[must_use]
    pub fn new(capacity: usize, revision: i64) -> Self {
        Self {
            entries: Cache::new(capacity.max(1)),
            revision: AtomicI64::new(revision),
        }
    }

    /// The shop's list revision is now `revision`: lists read at an older one are read again.
    pub fn follow(&self, revision: i64) {
        self.revision.fetch_max(revision, Ordering::Relaxed);
    }

    /// The list of `key` in `list_version` (empty lists read as missing), from memory when
    /// it was read at the current list revision.
    ///
    /// # Errors
    /// The database error of a read.
    pub async fn find(
        &self,
        conn: &impl ConnectionTrait,
        shop_id: i64,
        list_version: &str,
        key: &SeedKey,
    ) -> Result<CachedList, DbErr> {
        // Taken before the read: a list rebuilt meanwhile bumps the revision past it, so the
        // copy read now is read again rather than kept as current.
        let revision = self.revision.load(Ordering::Relaxed);
        if let Some((read_at, list)) = self.entries.get(key)
            && read_at >= revision
        {
            return Ok(list);
        }
        let list: CachedList = lists::find(conn, shop_id, list_version, key)
            .await?
            .filter(|items| !items.is_empty())
            .map(Arc::from);
        self.entries.insert(key.clone(), (revision, list.clone()));
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::Utc;
    use common::Database;
    use entity::rec_list;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use services::recs::store::PRODUCT_SEED;
    use services::runs::JobRun;

    use super::*;
    use crate::serving::cache::ModelCache;
    use crate::serving::fixtures::small_shop;
    use crate::serving::impressions::{self, WriterConfig};

    /// Trains, precomputes and publishes a list version; returns it.
    async fn publish(db: &Database, shop_id: i64) -> String {
        services::recs::train(db, shop_id).await.unwrap();
        let run = JobRun::start(&db.conn, shop_id, "precompute_lists", "test", None)
            .await
            .unwrap();
        lists::precompute_all(db, shop_id, &run)
            .await
            .unwrap()
            .unwrap()
            .list_version
    }

    /// A product page's key for a product that has a list in `version`.
    async fn product_key(db: &Database, version: &str) -> SeedKey {
        let row = rec_list::Entity::find()
            .filter(rec_list::Column::ListVersion.eq(version))
            .filter(rec_list::Column::Surface.eq("pdp"))
            .one(&db.conn)
            .await
            .unwrap()
            .unwrap();
        SeedKey::new("pdp", PRODUCT_SEED, row.seed_id)
    }

    /// Rewrites `key`'s stored list of `version` to `items`, as `precompute_product` does
    /// (without its revision bump).
    async fn rebuild_in_place(
        db: &Database,
        version: &str,
        key: &SeedKey,
        items: &[StoredCandidate],
    ) {
        rec_list::Entity::update_many()
            .col_expr(
                rec_list::Column::Items,
                Expr::value(serde_json::to_value(items).unwrap()),
            )
            .col_expr(rec_list::Column::CreatedAt, Expr::value(Utc::now()))
            .filter(rec_list::Column::ListVersion.eq(version))
            .filter(rec_list::Column::Surface.eq(key.surface.as_str()))
            .filter(rec_list::Column::SeedId.eq(key.id.as_str()))
            .exec(&db.conn)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_publish_is_served_from_the_new_version_and_the_old_model_keeps_its_lists() {
        let (_database, db, shop_id) = small_shop().await;
        let first = publish(&db, shop_id).await;
        let (log, writer) = impressions::start(db.conn.clone(), WriterConfig::default());
        let models = ModelCache::new(log).with_recheck(Duration::ZERO);
        let key = product_key(&db, &first).await;
        let old = models.get(&db.conn, shop_id).await.unwrap();
        let served = old.lists.find(&db.conn, shop_id, &first, &key).await;
        let expected = lists::find(&db.conn, shop_id, &first, &key).await.unwrap();

        let second = publish(&db, shop_id).await;
        let new = models.get(&db.conn, shop_id).await.unwrap();

        assert_eq!(served.unwrap().as_deref(), expected.as_deref());
        assert_ne!(first, second);
        assert_eq!(new.versions.lists.as_deref(), Some(second.as_str()));
        let fresh = new.lists.find(&db.conn, shop_id, &second, &key).await;
        let stored = lists::find(&db.conn, shop_id, &second, &key).await.unwrap();
        assert!(stored.is_some());
        assert_eq!(fresh.unwrap().as_deref(), stored.as_deref());
        // The first version's rows are gone; a request still holding the old model is
        // answered from memory rather than failing.
        assert!(
            lists::find(&db.conn, shop_id, &first, &key)
                .await
                .unwrap()
                .is_none()
        );
        let remembered = old.lists.find(&db.conn, shop_id, &first, &key).await;
        assert_eq!(remembered.unwrap().as_deref(), expected.as_deref());
        writer.shutdown().await;
    }

    #[tokio::test]
    async fn a_list_rebuilt_in_place_is_read_again_once_the_list_revision_moves() {
        let (_database, db, shop_id) = small_shop().await;
        let version = publish(&db, shop_id).await;
        let key = product_key(&db, &version).await;
        let cache = ListCache::new(16, 0);
        let before = cache.find(&db.conn, shop_id, &version, &key).await;
        let rebuilt = vec![before.as_ref().unwrap().clone().unwrap()[0]];

        rebuild_in_place(&db, &version, &key, &rebuilt).await;

        let cached = cache.find(&db.conn, shop_id, &version, &key).await;
        assert_eq!(
            cached.unwrap(),
            before.unwrap(),
            "kept while the revision holds"
        );
        cache.follow(1);
        let reread = cache.find(&db.conn, shop_id, &version, &key).await;
        assert_eq!(reread.unwrap().as_deref(), Some(rebuilt.as_slice()));
    }

    #[tokio::test]
    async fn a_served_model_reads_a_list_again_once_the_shop_s_list_revision_moves() {
        let (_database, db, shop_id) = small_shop().await;
        let version = publish(&db, shop_id).await;
        let (log, writer) = impressions::start(db.conn.clone(), WriterConfig::default());
        let models = ModelCache::new(log).with_recheck(Duration::ZERO);
        let key = product_key(&db, &version).await;
        let model = models.get(&db.conn, shop_id).await.unwrap();
        let before = model.lists.find(&db.conn, shop_id, &version, &key).await;
        let rebuilt = vec![before.unwrap().unwrap()[1]];
        rebuild_in_place(&db, &version, &key, &rebuilt).await;

        services::catalog::revision::bump_lists(&db.conn, shop_id)
            .await
            .unwrap();
        let rechecked = models.get(&db.conn, shop_id).await.unwrap();

        assert!(Arc::ptr_eq(&model, &rechecked), "the model itself holds");
        let served = rechecked
            .lists
            .find(&db.conn, shop_id, &version, &key)
            .await;
        assert_eq!(served.unwrap().as_deref(), Some(rebuilt.as_slice()));
        writer.shutdown().await;
    }

    #[tokio::test]
    async fn a_missing_list_is_remembered_as_missing() {
        let (_database, db, shop_id) = small_shop().await;
        let version = publish(&db, shop_id).await;
        let cache = ListCache::default();
        let key = SeedKey::new("home", "profile", "anon:nobody");

        let missing = cache.find(&db.conn, shop_id, &version, &key).await;

        assert!(missing.unwrap().is_none());
        assert_eq!(cache.entries.len(), 1);
    }
}
