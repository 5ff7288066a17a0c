//! `precompute_lists`: every list of a shop (per product, per shopper profile, shop-wide)
//! from its current pools, as a new list version; progress in `job_runs`.

use serde::{Deserialize, Serialize};

use crate::job::{Job, JobContext, JobError, per_window, tracked, window_run_key};

/// Precomputes a shop's lists (after training, and hourly so profiles and stock stay fresh).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrecomputeLists {
    /// The shop.
    pub shop_id: i64,
    /// Scheduling window (the hour for the hourly run): one run per shop and window.
    /// `None` for runs queued by training, which are never deduplicated.
    #[serde(default)]
    pub window: Option<String>,
}

impl Job for PrecomputeLists {
    const NAME: &'static str = "precompute_lists";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        per_window(self.shop_id, self.window.as_deref())
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let key = window_run_key(self.window.as_deref());
        let (db, shop_id) = (&ctx.db, self.shop_id);
        tracked(db, shop_id, Self::NAME, key, |run| async move {
            match services::recs::lists::precompute_all(db, shop_id, &run).await? {
                Some(summary) => {
                    tracing::info!(shop = shop_id, ?summary, "lists precomputed");
                    Ok(format!(
                        "list version {}: {} lists for {} products and {} profiles",
                        summary.list_version, summary.lists, summary.products, summary.profiles
                    ))
                }
                None => Ok("no trained models yet".to_owned()),
            }
        })
        .await
    }
}
