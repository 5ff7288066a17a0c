//! `build_recommendations`: train a shop's candidate models and store a new pool version.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, JobError};

/// Rebuilds the candidate pools of one shop (after a sync, nightly, or on demand).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildRecommendations {
    /// The shop.
    pub shop_id: i64,
    /// Scheduling window (the day for the nightly build): one build per shop and window.
    /// `None` for on-demand builds, which are never deduplicated.
    #[serde(default)]
    pub window: Option<String>,
}

impl Job for BuildRecommendations {
    const NAME: &'static str = "build_recommendations";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_key(&self) -> Option<String> {
        self.window
            .as_ref()
            .map(|window| format!("{}:{window}", self.shop_id))
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        match crate::recs::build(&ctx.db, self.shop_id).await {
            Ok(version) => {
                tracing::info!(shop = self.shop_id, %version, "recommendation pools built");
                Ok(())
            }
            Err(crate::recs::BuildError::Ranker(err)) => Err(JobError::Permanent(err.to_string())),
            Err(err) => Err(JobError::Transient(err.to_string())),
        }
    }
}
