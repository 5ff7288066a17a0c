//! `load_demo_shop`: generate and store the demo shop of the embedded mode.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, JobError};

/// Loads the generated demo shop unless one is already stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadDemoShop {
    /// Generator seed: the same seed gives the same catalog and behaviour.
    pub seed: u64,
}

impl Job for LoadDemoShop {
    const NAME: &'static str = "load_demo_shop";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_key(&self) -> Option<String> {
        None
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let config = crate::demo::config_for(self.seed);
        match crate::demo::load_if_missing(&ctx.db, &config).await {
            Ok(Some(summary)) => tracing::info!(%summary, "demo shop loaded"),
            Ok(None) => tracing::info!("demo shop already present"),
            Err(err) => return Err(JobError::Transient(err.to_string())),
        }
        Ok(())
    }
}
