//! `refresh_shop_token`: renew a shop's expiring offline token shortly before it lapses.

use chrono::{DateTime, Utc};
use common::telemetry::Chain;
use entity::shop;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use services::shop_auth::ShopifyApp;
use services::shop_tokens::{self, RefreshOutcome, ShopTokenError};

use crate::job::{Job, JobContext, JobError};
use crate::queue::JobQueue;

/// Refreshes `shop_id`'s token, scheduled `token_refresh_lead_secs` before `expires_at`.
///
/// Deduplicated per shop and expiry, so re-scheduling the same expiry is a no-op; the
/// database lock in [`shop_tokens::refresh`] makes sure only one refresh per shop runs even
/// across processes (refresh tokens rotate on use).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshShopToken {
    /// The shop.
    pub shop_id: i64,
    /// Unix seconds at which the token being replaced expires.
    pub expires_at: i64,
}

impl RefreshShopToken {
    /// Queues the refresh of `shop_id`'s token when it falls due (`token_refresh_lead_secs`
    /// before `expires_at`). A failure is logged, not returned: the next use of the token
    /// refreshes it anyway.
    pub async fn schedule(
        queue: &JobQueue,
        app: &ShopifyApp,
        shop_id: i64,
        expires_at: DateTime<Utc>,
    ) {
        let job = Self {
            shop_id,
            expires_at: expires_at.timestamp(),
        };
        let run_at = shop_tokens::refresh_due(app, expires_at);
        if let Err(err) = queue.push_at(job, run_at).await {
            tracing::warn!(shop_id, err = %Chain(&err), "cannot schedule the token refresh");
        }
    }
}

impl Job for RefreshShopToken {
    const NAME: &'static str = "refresh_shop_token";
    const MAX_ATTEMPTS: usize = 5;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![self.shop_id.to_string(), self.expires_at.to_string()])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let app = ctx.shopify()?;
        match shop_tokens::refresh(&ctx.db.conn, app, self.shop_id, false).await {
            Ok(RefreshOutcome::Refreshed) => {
                let shop = shop::Entity::find_by_id(self.shop_id)
                    .one(&ctx.db.conn)
                    .await?;
                if let Some(expires_at) = shop.and_then(|shop| shop.access_token_expires_at) {
                    let queue = JobQueue::attached(&ctx.db);
                    Self::schedule(&queue, app, self.shop_id, expires_at).await;
                }
                Ok(())
            }
            Ok(outcome) => {
                tracing::info!(shop_id = self.shop_id, ?outcome, "no refresh needed");
                Ok(())
            }
            Err(ShopTokenError::Shopify(err)) if err.is_transient() => {
                Err(JobError::transient(err))
            }
            Err(ShopTokenError::Db(err)) => Err(JobError::transient(err)),
            Err(err) => Err(JobError::permanent_from(err)),
        }
    }
}
