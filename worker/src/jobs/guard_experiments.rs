//! `guard_experiments`: a shop's guard rails, checked hourly while it runs an experiment:
//! an arm whose CTR has fallen below the control's by more than its margin, with the
//! sequential test's confidence, is stopped (`services::experiments::guard`).

use chrono::Utc;
use serde::{Deserialize, Serialize};
use services::experiments::guard;

use crate::job::{Job, JobContext, JobError, tracked};

/// Checks one shop's running experiments (queued hourly by the schedule for shops that run
/// one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GuardExperiments {
    /// The shop.
    pub shop_id: i64,
    /// The hour it was queued for (`%Y-%m-%dT%H`), its dedupe window.
    pub window: String,
}

impl Job for GuardExperiments {
    const NAME: &'static str = "guard_experiments";
    const MAX_ATTEMPTS: usize = 3;

    fn dedupe_parts(&self) -> Option<Vec<String>> {
        Some(vec![self.shop_id.to_string(), self.window.clone()])
    }

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        tracked(
            &ctx.db,
            self.shop_id,
            Self::NAME,
            &self.window,
            |_run| async {
                let tripped = guard::check(&ctx.db.conn, self.shop_id, Utc::now())
                    .await
                    .map_err(JobError::transient)?;
                let arms: Vec<String> = tripped
                    .iter()
                    .map(|t| format!("experiment {} arm {}", t.experiment_id, t.arm))
                    .collect();
                Ok(if arms.is_empty() {
                    "no guard rail tripped".to_owned()
                } else {
                    format!("stopped {}", arms.join(", "))
                })
            },
        )
        .await
    }
}
