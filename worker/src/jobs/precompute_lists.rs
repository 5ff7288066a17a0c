//! `precompute_lists`: a new list version of every list of a shop (per product, per shopper
//! profile, shop-wide) from its current pools. A large shop's run is split in parts: this job
//! queues the others for any worker process and computes the first itself; the part that
//! completes the set publishes the version. Progress in `job_runs`.

use serde::{Deserialize, Serialize};
use services::recs::lists;

use super::precompute_list_part::{PrecomputeListPart, after_publish};
use crate::job::{Job, JobContext, JobError, per_window, tracked, window_run_key};
use crate::queue::JobQueue;

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
        let part_products = ctx.precompute_part_products;
        tracked(db, shop_id, Self::NAME, key, |run| async move {
            let Some(plan) = lists::plan(&db.conn, shop_id, part_products).await? else {
                return Ok("no trained models yet".to_owned());
            };
            let others: Vec<_> = (1..plan.parts)
                .map(|part| PrecomputeListPart {
                    shop_id,
                    plan: plan.clone(),
                    part,
                })
                .collect();
            if !others.is_empty() {
                JobQueue::attached(db)
                    .push_all(others)
                    .await
                    .map_err(JobError::transient)?;
            }
            Ok(
                match lists::precompute_part(db, shop_id, &plan, 0, &run).await? {
                    Some(summary) => after_publish(db, shop_id, &plan, &summary).await?,
                    None => format!(
                        "part 1/{} of list version {}; the other parts are queued",
                        plan.parts, plan.list_version
                    ),
                },
            )
        })
        .await
    }
}
