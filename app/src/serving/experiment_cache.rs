//! A shop's running experiments, each arm resolved against the shop's settings, and its
//! shoppers' arms: kept with the shop's serving model (see `experiments` for their use).

use std::sync::Arc;
use std::time::Duration;

use services::experiments::Experiment;
use services::experiments::policy::Served;
use services::settings::Tuning;

use super::ttl::TtlCache;

/// How long a process serves the running experiments it read (a start or stop elsewhere
/// reaches it within this; the process that made it drops its copy at once).
const RUNNING_TTL: Duration = Duration::from_secs(10);
/// How long a shopper's arm is remembered (recorded arms never change, except by redaction).
const ARM_TTL: Duration = Duration::from_secs(300);
/// Shoppers' arms remembered per shop.
const ARM_CAPACITY: usize = 100_000;

/// What an arm serves, resolved against the shop's settings.
#[derive(Clone)]
pub(super) enum Plan {
    Tuned(Arc<Tuning>),
    Withheld,
}

/// A running experiment with each arm's plan (`None`: serves the control).
pub(super) struct Live {
    pub(super) experiment: Experiment,
    pub(super) plans: Vec<(String, Option<Plan>)>,
}

impl Live {
    pub(super) fn new(experiment: Experiment, base: &Tuning) -> Self {
        let surface = experiment.definition.surface();
        let plans = experiment
            .definition
            .arms
            .iter()
            .map(|arm| {
                let resolved = surface
                    .ok_or_else(Vec::new)
                    .and_then(|s| arm.policy.resolve(s, base));
                let plan = match resolved {
                    _ if arm.stopped.is_some() => None,
                    Ok(Served::Tuned(tuning)) => Some(Plan::Tuned(Arc::from(tuning))),
                    Ok(Served::Withheld) => Some(Plan::Withheld),
                    Err(problems) => {
                        tracing::warn!(experiment = experiment.id, arm = %arm.name, ?problems, "arm no longer validates; serving the control");
                        None
                    }
                };
                (arm.name.clone(), plan)
            })
            .collect();
        Self { experiment, plans }
    }
}

/// A shop's running experiments and its shoppers' arms, kept with its serving model.
pub struct ExperimentCache {
    pub(super) running: TtlCache<(), Arc<[Live]>>,
    pub(super) arms: TtlCache<(i64, String), Option<String>>,
}

impl Default for ExperimentCache {
    fn default() -> Self {
        Self {
            running: TtlCache::new(1, RUNNING_TTL),
            arms: TtlCache::new(ARM_CAPACITY, ARM_TTL),
        }
    }
}

impl ExperimentCache {
    /// Forgets the running experiments, so the next request reads them (after a start or a
    /// stop in this process).
    pub fn forget_running(&self) {
        self.running.remove(&());
    }
}
