//! Experiments in the serving path: which running experiment covers a request, the
//! shopper's arm (recorded on first exposure, then cached), and what the arm serves. An arm
//! whose policy no longer validates, or that a guard rail stopped, serves the control's
//! settings; its impressions carry the experiment without an arm, which the results report
//! as fallbacks.
//!
//! New or returning: a shopper is *returning* when the newest list version holds a home list
//! of their own, that is Meander saw them in the 30 days before the last precompute.

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{DatabaseConnection, DbErr};
use services::experiments::assignment::{self, Shopper};
use services::experiments::{assign, store};
use services::recs::profiles;
use services::recs::store::{PROFILE_SEED, SeedKey};
use services::settings::Tuning;
use services::signals::ExperimentTag;
use services::surface;

use super::cache::ShopModel;
use super::experiment_cache::{Live, Plan};
use crate::error::ApiError;

/// What serving knows of a request when it looks for its experiment.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// Shop.
    pub shop_id: i64,
    /// Surface, modules asked for, traffic source and whether a customer is logged in.
    pub scope: assign::Request<'a>,
    /// The shopper's ids.
    pub shopper: Shopper<'a>,
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

    /// Whether a holdout arm withholds `module` (the experiment's module, or every module).
    pub fn withholds(&self, module: &str) -> bool {
        matches!(self.plan, Some(Plan::Withheld))
            && self.module.as_deref().is_none_or(|m| m == module)
    }

    /// What the impression records.
    pub fn tag(&self) -> ExperimentTag {
        self.tag.clone()
    }
}

/// The experiment covering the request and the shopper's arm in it, if any.
///
/// # Errors
/// The database's.
pub async fn expose(
    conn: &DatabaseConnection,
    model: &ShopModel,
    asked: Asked<'_>,
) -> Result<Option<Exposure>, ApiError> {
    let Asked {
        shop_id,
        scope,
        shopper,
    } = asked;
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
    let Some(found) = live.iter().find(|l| l.experiment.definition.covers(&scope)) else {
        return Ok(None);
    };
    let Some(subject) = assign::subject(shopper.customer_id, shopper.anonymous_id) else {
        return Ok(None);
    };
    let experiment = &found.experiment;
    let record = || {
        let returning = async || returning(conn, model, shop_id, shopper).await;
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
    shop_id: i64,
    shopper: Shopper<'_>,
) -> Result<bool, DbErr> {
    let Some(version) = &model.versions.lists else {
        return Ok(false);
    };
    let profiles = shopper
        .customer_id
        .map(profiles::customer_profile)
        .into_iter()
        .chain(shopper.anonymous_id.map(profiles::anonymous_profile));
    let home = surface::name(ranker::Surface::Home);
    for profile in profiles {
        let key = SeedKey::new(home, PROFILE_SEED, profile);
        if model
            .lists
            .find(conn, shop_id, version, &key)
            .await?
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}
