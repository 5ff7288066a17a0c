//! `push_email_lists`: pushes a published list version's email lists to the shop's Klaviyo
//! account (`services::email::push_lists`) and records the outcome on the account, where the
//! merchant sees it. Queued after a list version publishes, when the shop has Klaviyo.
//!
//! **Klaviyo down for long.** The job's own retries (10 attempts, the queue's exponential
//! backoff capped at `worker.retry_backoff_max_secs`: about 8 minutes with the defaults)
//! ride out a blip. A longer outage is ridden out by the hourly precompute instead: every
//! hour publishes a new list version, which queues its own push, and that push sends every
//! list whose content Klaviyo does not have yet (content hashes on the push states), the
//! ones the failed version left behind included, announcing each once (event ids derive
//! from the content). A retry of a version that a newer one has replaced is skipped, so a
//! late retry never overwrites newer lists with older ones. Meanwhile the account shows
//! the error (`record_failure`), and the next successful push clears it.

use entity::{klaviyo_account, shop};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use services::email::{self, EmailError, PushOptions};
use services::recs::lists::LISTS_KIND;
use services::recs::store;

use crate::job::{Job, JobContext, JobError, tracked};
use crate::queue::JobQueue;

/// Push `list_version`'s email lists of `shop_id` to Klaviyo.
///
/// Deduplicated per shop and list version: a version is pushed once however many parts
/// report it published; a retry resumes (only unchanged, unannounced profiles are left).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushEmailLists {
    /// The shop.
    pub shop_id: i64,
    /// The published list version.
    pub list_version: String,
}

impl PushEmailLists {
    /// Queues the push of `list_version` if the shop has a usable Klaviyo connection.
    /// Failures are logged, not returned: the lists are published either way, and the next
    /// version queues its own push.
    pub async fn after_publish(db: &common::Database, shop_id: i64, list_version: &str) {
        let connected = klaviyo_account::Entity::find_by_id(shop_id)
            .one(&db.conn)
            .await
            .map(|account| account.as_ref().is_some_and(email::pushes));
        match connected {
            Ok(false) => {}
            Ok(true) => {
                let job = Self {
                    shop_id,
                    list_version: list_version.to_owned(),
                };
                if let Err(err) = JobQueue::attached(db).push(job).await {
                    tracing::warn!(shop = shop_id, %err, "could not queue the email push");
                }
            }
            Err(err) => tracing::warn!(shop = shop_id, %err, "could not read the Klaviyo account"),
        }
    }
}

impl Job for PushEmailLists {
    const NAME: &'static str = "push_email_lists";
    // About 8 minutes of retries with the default backoff; longer outages are left to the
    // next hourly version's push (module docs).
    const MAX_ATTEMPTS: usize = 10;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![self.shop_id.to_string(), self.list_version.clone()])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let (db, shop_id) = (&ctx.db, self.shop_id);
        tracked(db, shop_id, Self::NAME, &self.list_version, |_run| {
            push(&ctx, shop_id, &self.list_version)
        })
        .await
    }
}

async fn push(ctx: &JobContext, shop_id: i64, list_version: &str) -> Result<String, JobError> {
    let conn = &ctx.db.conn;
    let cipher = &ctx.shopify()?.cipher;
    let Some(shop) = shop::Entity::find_by_id(shop_id).one(conn).await? else {
        return Ok("skipped: shop gone".into());
    };
    if !shop.is_installed() {
        return Ok("skipped: shop not installed".into());
    }
    let latest = store::latest_ready(conn, shop_id, LISTS_KIND).await?;
    if let Some(latest) = latest.filter(|latest| latest.version != list_version) {
        return Ok(format!(
            "skipped: list version {list_version} was replaced by {}, whose push sends it all",
            latest.version
        ));
    }
    let options = PushOptions::new(ctx.klaviyo.poll);
    let pushed =
        email::push_for_shop(conn, &ctx.klaviyo, cipher, &shop, list_version, &options).await;
    match pushed {
        Ok(None) => Ok("skipped: no usable Klaviyo connection".into()),
        Ok(Some(summary)) => {
            email::record_push(conn, shop_id, serde_json::json!(summary))
                .await
                .map_err(JobError::transient)?;
            tracing::info!(shop = shop_id, ?summary, "email lists pushed to Klaviyo");
            Ok(format!(
                "list version {list_version}: {} imported, {} events, {} unchanged, {} not in Klaviyo, {} refused rows, {} skipped after repeated refusals",
                summary.imported,
                summary.events,
                summary.unchanged,
                summary.not_in_klaviyo,
                summary.failed_rows,
                summary.skipped_refused
            ))
        }
        Err(err) => Err(failed(ctx, shop_id, err).await),
    }
}

/// Records `err` on the account for the merchant and sorts it into retry or give up.
async fn failed(ctx: &JobContext, shop_id: i64, err: EmailError) -> JobError {
    if let Err(record) = email::record_failure(&ctx.db.conn, shop_id, &err).await {
        tracing::warn!(shop = shop_id, err = %record, "could not record the push failure");
    }
    if err.is_transient() {
        JobError::transient(err)
    } else {
        JobError::Permanent(anyhow::Error::new(err).context("cannot push email lists to Klaviyo"))
    }
}
