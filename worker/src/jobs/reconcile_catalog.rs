//! `reconcile_catalog`: the daily full re-sync that repairs drift from lost webhooks.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::sync_catalog::{run_sync, truncate};
use super::{Job, JobContext, JobError};
use crate::queue::JobQueue;
use crate::sync::full::Mode;

/// Re-runs the full sync of `shop_id`, then soft-deletes products missing from the fresh
/// snapshot; on success schedules tomorrow's run (deduplicated per shop and day, so the
/// chain never forks).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReconcileCatalog {
    /// The shop.
    pub shop_id: i64,
    /// Unix seconds of the day it is for (UTC midnight).
    pub day: i64,
}

impl ReconcileCatalog {
    /// Today's reconciliation of `shop_id`.
    #[must_use]
    pub fn today(shop_id: i64) -> Self {
        Self::for_day(shop_id, Utc::now())
    }

    fn for_day(shop_id: i64, at: DateTime<Utc>) -> Self {
        Self {
            shop_id,
            day: truncate(at, TimeDelta::days(1)),
        }
    }
}

impl Job for ReconcileCatalog {
    const NAME: &'static str = "reconcile_catalog";
    const MAX_ATTEMPTS: usize = 6;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("reconcile_catalog:{}:{}", self.shop_id, self.day))
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        run_sync(&ctx, self.shop_id, self.day, Mode::Reconcile).await?;
        let next_day =
            DateTime::from_timestamp(self.day, 0).unwrap_or_else(Utc::now) + TimeDelta::days(1);
        // Early in the UTC day, off the hour, so shops do not all start at once.
        let run_at = next_day + TimeDelta::minutes(self.shop_id.rem_euclid(180));
        let next = Self::for_day(self.shop_id, next_day);
        if let Err(err) = JobQueue::attached(&ctx.db).push_at(next, run_at).await {
            tracing::warn!(shop_id = self.shop_id, %err, "cannot schedule the next reconciliation");
        }
        Ok(())
    }
}
