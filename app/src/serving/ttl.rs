//! A bounded in-memory cache whose entries are read again from their source after a TTL.

use std::hash::Hash;
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;

/// At most `capacity` values, each served for `ttl` after it was loaded.
pub struct TtlCache<K, V> {
    entries: Cache<K, (Instant, V)>,
    ttl: Duration,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// An empty cache.
    #[must_use]
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            entries: Cache::new(capacity.max(1)),
            ttl,
        }
    }

    /// The value of `key`: from memory when it was loaded less than the TTL ago, else from
    /// `load`, which is kept when `keep` says so. Concurrent misses may each load; the last
    /// one kept wins, which is harmless for values read from the same source.
    ///
    /// # Errors
    /// The error of `load` (nothing is cached then).
    pub async fn get_or_load<E, Fut>(
        &self,
        key: &K,
        load: impl FnOnce() -> Fut,
        keep: impl FnOnce(&V) -> bool,
    ) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        if let Some((loaded, value)) = self.entries.get(key)
            && loaded.elapsed() < self.ttl
        {
            return Ok(value);
        }
        let value = load().await?;
        if keep(&value) {
            self.entries
                .insert(key.clone(), (Instant::now(), value.clone()));
        }
        Ok(value)
    }

    /// Drops `key`, so the next read loads it.
    pub fn remove(&self, key: &K) {
        self.entries.remove(key);
    }
}
