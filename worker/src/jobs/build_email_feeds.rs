//! `build_email_feeds`: rebuilds a shop's Klaviyo web feeds (new arrivals, trending, back in
//! stock; `services::email::feeds`) and stores them, so Klaviyo's fetch is one row read.
//! Queued after each published list version for shops that have feeds, and when a merchant
//! first asks for the feed URLs.

use chrono::Utc;
use entity::shop;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use services::email::feeds::{self, MAX_FEED_BYTES};

use crate::job::{Job, JobContext, JobError, tracked};
use crate::queue::JobQueue;

/// Rebuild the feeds of `shop_id`.
///
/// Deduplicated per shop and `trigger` (the published list version, or the moment feeds
/// were turned on), so the parts of one precompute queue one rebuild.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildEmailFeeds {
    /// The shop.
    pub shop_id: i64,
    /// What asked for the rebuild.
    pub trigger: String,
}

impl BuildEmailFeeds {
    /// Queues a rebuild after `list_version` published, if the shop has feeds. Failures are
    /// logged: the feeds keep their last build, and the next version queues another.
    pub async fn after_publish(db: &common::Database, shop_id: i64, list_version: &str) {
        match feeds::has_feeds(&db.conn, shop_id).await {
            Ok(false) => {}
            Ok(true) => {
                let job = Self {
                    shop_id,
                    trigger: list_version.to_owned(),
                };
                if let Err(err) = JobQueue::attached(db).push(job).await {
                    tracing::warn!(shop = shop_id, %err, "could not queue the feed rebuild");
                }
            }
            Err(err) => tracing::warn!(shop = shop_id, %err, "could not read the feed key"),
        }
    }
}

impl Job for BuildEmailFeeds {
    const NAME: &'static str = "build_email_feeds";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![self.shop_id.to_string(), self.trigger.clone()])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let (db, shop_id) = (&ctx.db, self.shop_id);
        tracked(db, shop_id, Self::NAME, &self.trigger, |_run| async move {
            let Some(shop) = shop::Entity::find_by_id(shop_id).one(&db.conn).await? else {
                return Ok("skipped: shop gone".into());
            };
            let built = feeds::rebuild(&db.conn, &shop, Utc::now(), MAX_FEED_BYTES).await?;
            tracing::info!(shop = shop_id, ?built, "email feeds built");
            Ok(built
                .iter()
                .map(|f| {
                    format!(
                        "{}: {} cohorts, {} bytes",
                        f.kind.slug(),
                        f.cohorts,
                        f.bytes
                    )
                })
                .collect::<Vec<_>>()
                .join("; "))
        })
        .await
    }
}
