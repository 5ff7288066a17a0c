//! `load_demo_shop`: generate and store the demo shop of the embedded mode.

use common::settings::DemoSettings;
use demo::DemoConfig;
use serde::{Deserialize, Serialize};

use super::train_models::TrainModels;
use crate::job::{Job, JobContext, JobError};
use crate::queue::JobQueue;

/// Loads the generated demo shop unless one is already stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadDemoShop {
    /// Generator seed: the same seed gives the same catalog and behaviour.
    pub seed: u64,
    /// Products to generate.
    pub products: usize,
    /// Distinct simulated shoppers.
    pub shoppers: usize,
    /// Simulated sessions.
    pub sessions: usize,
}

impl From<&DemoSettings> for LoadDemoShop {
    fn from(settings: &DemoSettings) -> Self {
        Self {
            seed: settings.seed,
            products: settings.products,
            shoppers: settings.shoppers,
            sessions: settings.sessions,
        }
    }
}

impl LoadDemoShop {
    /// The generator configuration, anchored at the current time.
    #[must_use]
    pub fn config(&self) -> DemoConfig {
        DemoConfig {
            seed: self.seed,
            products: self.products,
            shoppers: self.shoppers,
            sessions: self.sessions,
            ..services::demo::anchored_now()
        }
    }
}

impl Job for LoadDemoShop {
    const NAME: &'static str = "load_demo_shop";
    const MAX_ATTEMPTS: usize = 3;

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let config = self.config();
        match services::demo::load_if_missing(&ctx.db, &config).await {
            Ok(Some(summary)) => {
                tracing::info!(%summary, "demo shop loaded");
                // A fresh shop needs its models before the storefront shows anything useful.
                JobQueue::attached(&ctx.db)
                    .push(TrainModels {
                        shop_id: summary.shop_id,
                        window: None,
                    })
                    .await
                    .map_err(JobError::transient)?;
            }
            Ok(None) => tracing::info!("demo shop already present"),
            Err(err) => return Err(JobError::transient(err)),
        }
        Ok(())
    }
}
