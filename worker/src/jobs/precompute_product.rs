//! `precompute_product`: rebuild one product's own lists after it changed.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

use crate::job::{Job, JobContext, JobError, tracked};

/// Changes of one product within this window are folded into one rebuild.
const WINDOW_MINUTES: i64 = 5;

/// Rebuilds the product page and cart lists of one product in the published list version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrecomputeProduct {
    /// The shop.
    pub shop_id: i64,
    /// The product that changed.
    pub product_id: i64,
    /// Start of the window the change fell in (RFC 3339).
    pub window: String,
}

impl PrecomputeProduct {
    /// The job for a change at `at`, and when it should run: at the end of its window, so a
    /// burst of updates to one product (a bulk edit, stock moving) costs one rebuild.
    #[must_use]
    pub fn after_change(shop_id: i64, product_id: i64, at: DateTime<Utc>) -> (Self, DateTime<Utc>) {
        let window = Duration::minutes(WINDOW_MINUTES);
        let start = at.duration_trunc(window).unwrap_or(at);
        let job = Self {
            shop_id,
            product_id,
            window: start.to_rfc3339(),
        };
        (job, start + window)
    }
}

impl Job for PrecomputeProduct {
    const NAME: &'static str = "precompute_product";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![
            self.shop_id.to_string(),
            self.product_id.to_string(),
            self.window.clone(),
        ])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let key = self.product_id.to_string();
        tracked(&ctx.db, self.shop_id, Self::NAME, &key, |_run| async {
            let written =
                services::recs::lists::precompute_product(&ctx.db, self.shop_id, self.product_id)
                    .await?;
            Ok(format!("{written} lists rebuilt"))
        })
        .await
    }
}
