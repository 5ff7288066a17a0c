//! Precomputed lists kept in memory, one bounded cache per shop model (and so per published
//! list version: a new version gets a new model and an empty cache). Misses are cached too:
//! a home request first looks for the shopper's own list, which most shoppers do not have.
//!
//! Entries expire after [`LIST_TTL`] because a product's lists can be rebuilt in place,
//! inside the same version, after the product changes (`precompute_product`); serving then
//! picks up the rebuilt list within that time, as it picks up a new version within the model
//! cache's recheck interval.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbErr};
use services::recs::lists;
use services::recs::pools::StoredCandidate;
use services::recs::store::SeedKey;

use super::ttl::TtlCache;

/// How long a cached list (or a cached miss) is served before it is read again.
pub const LIST_TTL: Duration = Duration::from_secs(30);
/// Lists kept per shop: a 3,200-product shop has about 9,500, at roughly 1 KiB each.
pub const LIST_CAPACITY: usize = 16_384;

/// A stored list, or the fact that there is none.
pub type CachedList = Option<Arc<[StoredCandidate]>>;

/// The lists of one shop's list version.
pub struct ListCache {
    entries: TtlCache<SeedKey, CachedList>,
}

impl Default for ListCache {
    fn default() -> Self {
        Self::new(LIST_CAPACITY, LIST_TTL)
    }
}

impl ListCache {
    /// A cache of at most `capacity` lists, each read again after `ttl`.
    #[must_use]
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            entries: TtlCache::new(capacity, ttl),
        }
    }

    /// The list of `key` in `list_version` (empty lists read as missing), from memory when
    /// it was read less than the TTL ago.
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
        let load = || async {
            let list: CachedList = lists::find(conn, shop_id, list_version, key)
                .await?
                .filter(|items| !items.is_empty())
                .map(Arc::from);
            Ok(list)
        };
        self.entries.get_or_load(key, load, |_| true).await
    }
}

#[cfg(test)]
mod tests {
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
    async fn a_list_rebuilt_in_place_is_read_again_once_its_entry_expires() {
        let (_database, db, shop_id) = small_shop().await;
        let version = publish(&db, shop_id).await;
        let key = product_key(&db, &version).await;
        let expiring = ListCache::new(16, Duration::ZERO);
        let lasting = ListCache::new(16, Duration::from_secs(3_600));
        let before = lasting.find(&db.conn, shop_id, &version, &key).await;
        expiring
            .find(&db.conn, shop_id, &version, &key)
            .await
            .unwrap();
        let rebuilt = vec![before.as_ref().unwrap().clone().unwrap()[0]];

        rec_list::Entity::update_many()
            .col_expr(
                rec_list::Column::Items,
                Expr::value(serde_json::to_value(&rebuilt).unwrap()),
            )
            .col_expr(rec_list::Column::CreatedAt, Expr::value(Utc::now()))
            .filter(rec_list::Column::ListVersion.eq(version.as_str()))
            .filter(rec_list::Column::Surface.eq(key.surface.as_str()))
            .filter(rec_list::Column::SeedId.eq(key.id.as_str()))
            .exec(&db.conn)
            .await
            .unwrap();

        let expired = expiring.find(&db.conn, shop_id, &version, &key).await;
        assert_eq!(expired.unwrap().as_deref(), Some(rebuilt.as_slice()));
        let cached = lasting.find(&db.conn, shop_id, &version, &key).await;
        assert_eq!(cached.unwrap(), before.unwrap());
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
