//! `refresh_shop_token`: renew a shop's expiring offline token shortly before it lapses.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, JobError};
use crate::queue::JobQueue;
use crate::shop_tokens::{self, RefreshOutcome, ShopTokenError};

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

impl Job for RefreshShopToken {
    const NAME: &'static str = "refresh_shop_token";
    const MAX_ATTEMPTS: usize = 5;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!(
            "refresh_shop_token:{}:{}",
            self.shop_id, self.expires_at
        ))
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let Some(app) = ctx.shopify.as_deref() else {
            return Err(JobError::Permanent(
                "Shopify credentials not configured".into(),
            ));
        };
        let jobs = JobQueue::attached(&ctx.db);
        match shop_tokens::refresh(&ctx.db.conn, app, Some(&jobs), self.shop_id, false).await {
            Ok(RefreshOutcome::Refreshed) => Ok(()),
            Ok(outcome) => {
                tracing::info!(shop_id = self.shop_id, ?outcome, "no refresh needed");
                Ok(())
            }
            Err(ShopTokenError::Shopify(err)) if err.is_transient() => {
                Err(JobError::Transient(err.to_string()))
            }
            Err(ShopTokenError::Db(err)) => Err(JobError::Transient(err.to_string())),
            Err(err) => Err(JobError::Permanent(err.to_string())),
        }
    }
}
