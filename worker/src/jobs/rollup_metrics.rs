//! `rollup_metrics`: a shop's daily discovery metrics from its signal tables, then the
//! removal of impressions and events past their retention.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use services::{receipts, rollups};

use crate::job::{Job, JobContext, JobError, tracked};

/// Rolls up one UTC day of one shop (queued nightly for the day before).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RollupMetrics {
    /// The shop.
    pub shop_id: i64,
    /// The day.
    pub day: NaiveDate,
}

impl Job for RollupMetrics {
    const NAME: &'static str = "rollup_metrics";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![self.shop_id.to_string(), self.day.to_string()])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let key = self.day.to_string();
        tracked(&ctx.db, self.shop_id, Self::NAME, &key, |_run| async {
            let conn = &ctx.db.conn;
            let rows =
                rollups::rollup_day(conn, self.shop_id, self.day, ctx.metric_windows).await?;
            let retention = ctx.retention;
            let shown_before = rollups::retention_cutoff(self.day, retention.impression_days);
            let shown = rollups::purge_impressions(conn, self.shop_id, shown_before).await?;
            let events_before = rollups::retention_cutoff(self.day, retention.event_days);
            let events = rollups::purge_events(conn, self.shop_id, events_before).await?;
            let receipts_before = receipts::dedupe_cutoff(Utc::now());
            let receipts = receipts::prune(conn, self.shop_id, receipts_before).await?;
            Ok(format!(
                "{rows} metrics for {}; removed {shown} impressions before {}, {events} \
                 events before {} and {receipts} webhook receipts before {}",
                self.day,
                shown_before.date_naive(),
                events_before.date_naive(),
                receipts_before.date_naive()
            ))
        })
        .await
    }
}
