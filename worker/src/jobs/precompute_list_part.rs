//! `precompute_list_part`: one part of a planned list version; the part that completes the
//! set publishes it. Parts of one run go to whichever worker processes are free.

use serde::{Deserialize, Serialize};
use services::recs::lists::{self, Plan, PrecomputeSummary};

use crate::job::{Job, JobContext, JobError, tracked};

/// Part `part` of `plan` for a shop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrecomputeListPart {
    /// The shop.
    pub shop_id: i64,
    /// The run this part belongs to.
    pub plan: Plan,
    /// Which part.
    pub part: u32,
}

impl Job for PrecomputeListPart {
    const NAME: &'static str = "precompute_list_part";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![
            self.shop_id.to_string(),
            self.plan.list_version.clone(),
            self.part.to_string(),
        ])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let (db, shop_id) = (&ctx.db, self.shop_id);
        let key = format!("{}/{}", self.part + 1, self.plan.parts);
        let part = key.clone();
        tracked(db, shop_id, Self::NAME, &key, |run| async move {
            let published =
                lists::precompute_part(db, shop_id, &self.plan, self.part, &run).await?;
            Ok(match published {
                Some(summary) => {
                    let done = after_publish(db, shop_id, &self.plan, &summary).await?;
                    format!("part {part}, the last: {done}")
                }
                None => format!("part {part} of list version {}", self.plan.list_version),
            })
        })
        .await
    }
}

/// After the part that published `plan`'s version: logs the run, removes the lists the
/// version replaced and queues the version's email push (when the shop has Klaviyo) and
/// feed rebuild (when it has feeds);
/// describes the run.
pub(super) async fn after_publish(
    db: &common::Database,
    shop_id: i64,
    plan: &Plan,
    summary: &PrecomputeSummary,
) -> Result<String, services::recs::BuildError> {
    let removed = lists::retire_replaced(&db.conn, shop_id, plan).await?;
    tracing::info!(shop = shop_id, ?summary, removed, "lists precomputed");
    super::PushEmailLists::after_publish(db, shop_id, &plan.list_version).await;
    super::BuildEmailFeeds::after_publish(db, shop_id, &plan.list_version).await;
    Ok(format!(
        "{}; {removed} replaced lists removed",
        summary.describe()
    ))
}
