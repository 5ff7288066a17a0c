//! `train_models`: train a shop's candidate models, store a new pool version, and queue the
//! precompute of its lists.

use serde::{Deserialize, Serialize};

use super::precompute_lists::PrecomputeLists;
use crate::job::{Job, JobContext, JobError, per_window, tracked, window_run_key};
use crate::queue::JobQueue;

/// Retrains the candidate models of one shop (after the first sync, nightly, or on demand).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainModels {
    /// The shop.
    pub shop_id: i64,
    /// Scheduling window (the day for the nightly run): one run per shop and window.
    /// `None` for on-demand runs, which are never deduplicated.
    #[serde(default)]
    pub window: Option<String>,
}

impl Job for TrainModels {
    const NAME: &'static str = "train_models";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        per_window(self.shop_id, self.window.as_deref())
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let key = window_run_key(self.window.as_deref());
        tracked(&ctx.db, self.shop_id, Self::NAME, key, |_run| async {
            let version = services::recs::train(&ctx.db, self.shop_id).await?;
            tracing::info!(shop = self.shop_id, %version, "candidate pools trained");
            // New pools make every list stale: precompute them now rather than next hour.
            JobQueue::attached(&ctx.db)
                .push(PrecomputeLists {
                    shop_id: self.shop_id,
                    window: None,
                })
                .await
                .map_err(JobError::transient)?;
            Ok(format!("pool version {version}"))
        })
        .await
    }
}
