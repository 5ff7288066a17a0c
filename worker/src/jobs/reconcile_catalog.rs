//! `reconcile_catalog`: the daily full re-sync that repairs drift from lost webhooks.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use services::sync::full::Mode;

use super::sync_catalog::{run_sync, truncate};
use crate::job::{Job, JobContext, JobError};

/// Re-runs the full sync of `shop_id`, then soft-deletes products missing from the fresh
/// snapshot. Queued daily by [`crate::schedule::reconciliations`], deduplicated per shop and
/// day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReconcileCatalog {
    /// The shop.
    pub shop_id: i64,
    /// Unix seconds of the day it is for (UTC midnight).
    pub day: i64,
}

impl ReconcileCatalog {
    /// The reconciliation of `shop_id` for the UTC day of `at`.
    #[must_use]
    pub fn for_day(shop_id: i64, at: DateTime<Utc>) -> Self {
        Self {
            shop_id,
            day: truncate(at, TimeDelta::days(1)),
        }
    }

    /// When it should run: early in its day, off the hour, so shops do not all start at once.
    #[must_use]
    pub fn starts_at(&self) -> DateTime<Utc> {
        let day = DateTime::from_timestamp(self.day, 0).unwrap_or(DateTime::UNIX_EPOCH);
        day + TimeDelta::minutes(self.shop_id.rem_euclid(180))
    }
}

impl Job for ReconcileCatalog {
    const NAME: &'static str = "reconcile_catalog";
    const MAX_ATTEMPTS: usize = 6;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![self.shop_id.to_string(), self.day.to_string()])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        run_sync(&ctx, self.shop_id, self.day, Mode::Reconcile).await
    }
}
