//! Experiments in the serving path: which running experiment covers a request, the
//! shopper's arm (recorded on first exposure, then cached), and what the arm serves. An arm
//! whose policy no longer validates, or that a guard rail stopped, serves the control's
//! settings; its impressions carry the experiment without an arm, which the results report
//! as fallbacks.
//!
//! New or returning: a shopper is *returning* when the newest list version holds a home list
//! of their own, that is Meander saw them in the 30 days before the last precompute.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{DatabaseConnection, DbErr};
use services::experiments::assignment::{self, Shopper};
use services::experiments::policy::Served;
use services::experiments::{Experiment, assign, store};
use services::recs::profiles;
use services::recs::store::{PROFILE_SEED, SeedKey};
use services::settings::Tuning;
use services::signals::ExperimentTag;
use services::surface;

use super::cache::ShopModel;
use super::ttl::TtlCache;
use super::{RecRequest, RecResponse};
use crate::error::ApiError;

/// How long a process serves the running experiments it read (a start or stop elsewhere
/// reaches it within this; the process that made it drops its copy at once).
const RUNNING_TTL: Duration = Duration::from_secs(10);
/// How long a shopper's arm is remembered (recorded arms never change, except by redaction).
const ARM_TTL: Duration = Duration::from_secs(300);
/// Shoppers' arms remembered per shop.
const ARM_CAPACITY: usize = 100_000;

/// What an arm serves, resolved against the shop's settings.
#[derive(Clone)]
enum Plan {
    Tuned(Arc<Tuning>),
    Withheld,
}

/// A running experiment with each arm's plan (`None`: serves the control).
struct Live {
    experiment: Experiment,
    plans: Vec<(String, Option<Plan>)>,
}

impl Live {
    fn new(experiment: Experiment, base: &Tuning) -> Self {
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
                    Ok(Served::Tuned(tuning)) => Some(Plan::Tuned(Arc::new(tuning))),
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
    running: TtlCache<(), Arc<[Live]>>,
    arms: TtlCache<(i64, String), Option<String>>,
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

/// The experiment and arm a request is served under.
pub struct Exposure {
    tag: ExperimentTag,
    plan: Option<Plan>,
    module: Option<String>,
}

impl Exposure {
    /// The settings to serve: the arm's, else (fallback, holdout) the shop's.
    pub fn tuning(&self, model: &ShopModel) -> Arc<Tuning> {
        match &self.plan {
            Some(Plan::Tuned(tuning)) => tuning.clone(),
            _ => model.tuning(),
        }
    }

    /// Removes what a holdout arm withholds: the experiment's module, or every module.
    pub fn withhold(&self, response: &mut RecResponse) {
        if let Some(Plan::Withheld) = self.plan {
            response
                .modules
                .retain(|m| self.module.as_ref().is_some_and(|only| *only != m.name));
        }
    }

    /// What the impression records.
    pub fn tag(&self) -> ExperimentTag {
        self.tag.clone()
    }
}

/// The experiment covering `request` and the shopper's arm in it, if any.
///
/// # Errors
/// The database's.
pub async fn expose(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
) -> Result<Option<Exposure>, ApiError> {
    let shop_id = request.shop_id;
    let load = || async {
        let base = model.tuning();
        let running = store::running(conn, shop_id).await?;
        Ok::<_, DbErr>(running.into_iter().map(|e| Live::new(e, &base)).collect())
    };
    let live = model
        .experiments
        .running
        .get_or_load(&(), load, |_| true)
        .await?;
    let scope = assign::Request {
        surface: request.surface,
        modules: request.modules.as_deref(),
        source: request.traffic_source,
        customer: request.customer_id.is_some(),
    };
    let Some(found) = live.iter().find(|l| l.experiment.definition.covers(&scope)) else {
        return Ok(None);
    };
    let shopper = Shopper {
        customer_id: request.customer_id,
        anonymous_id: request.anonymous_id.as_deref(),
    };
    let Some(subject) = assign::subject(shopper.customer_id, shopper.anonymous_id) else {
        return Ok(None);
    };
    let experiment = &found.experiment;
    let record = || {
        let returning = async || returning(conn, model, request).await;
        assignment::arm_of(conn, shop_id, experiment, shopper, returning, Utc::now())
    };
    let key = (experiment.id, subject);
    let Some(arm) = model
        .experiments
        .arms
        .get_or_load(&key, record, |_| true)
        .await?
    else {
        return Ok(None);
    };
    let plan = found
        .plans
        .iter()
        .find(|(name, _)| *name == arm)
        .and_then(|(_, plan)| plan.clone());
    if plan.is_none() {
        metrics::counter!("experiment_fallbacks_total").increment(1);
    }
    Ok(Some(Exposure {
        tag: ExperimentTag {
            experiment_id: experiment.id,
            arm: plan.is_some().then_some(arm),
        },
        plan,
        module: experiment.definition.module.clone(),
    }))
}

/// Whether the newest list version holds a home list of the shopper's own.
async fn returning(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
) -> Result<bool, DbErr> {
    let Some(version) = &model.versions.lists else {
        return Ok(false);
    };
    let profiles = request
        .customer_id
        .map(profiles::customer_profile)
        .into_iter()
        .chain(
            request
                .anonymous_id
                .as_deref()
                .map(profiles::anonymous_profile),
        );
    let home = surface::name(ranker::Surface::Home);
    for profile in profiles {
        let key = SeedKey::new(home, PROFILE_SEED, profile);
        if model
            .lists
            .find(conn, request.shop_id, version, &key)
            .await?
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}
