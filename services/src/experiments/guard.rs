//! Guard rails: an arm whose CTR or revenue per session falls below the control's by more
//! than the design's margin (a share of the control's), with the always-valid confidence of
//! the sequential test, is stopped; its shoppers get the control's policy from then on. Checked by a worker job
//! at any cadence: the test's interval holds at every look, so frequent checks do not stop
//! healthy arms more often.

use chrono::{DateTime, Utc};
use entity::domain::minor_per_major;
use entity::shop;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::results::{ArmResult, results};
use super::store::{ExperimentError, running, stop_arm};

/// An arm a guard rail stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Tripped {
    /// Experiment id.
    pub experiment_id: i64,
    /// Arm name.
    pub arm: String,
    /// The finding, as stored on the arm.
    pub reason: String,
}

/// The finding when `arm` breaches `margin` against `control` on CTR or on revenue per
/// session, else `None`.
fn breach(control: &ArmResult, arm: &ArmResult, margin: f64, currency: &str) -> Option<String> {
    let vs = arm.vs_control.filter(|_| arm.stopped.is_none())?;
    let metrics = [
        (
            "CTR",
            vs.ctr,
            percent(control.ctr.rate),
            percent(arm.ctr.rate),
            control.ctr.rate,
        ),
        (
            "revenue per session",
            vs.revenue_per_session,
            money(control.revenue_per_session.mean, currency),
            money(arm.revenue_per_session.mean, currency),
            control.revenue_per_session.mean,
        ),
    ];
    metrics
        .into_iter()
        .find_map(|(name, look, control_value, arm_value, base)| {
            let bound = margin * base;
            (bound > 0.0 && look.worse_by_more_than(bound)).then(|| {
                format!(
                    "guard rail: {name} {arm_value} against the control's {control_value}, \
                     below it by more than {:.0} % of it with {:.0} % confidence",
                    margin * 100.0,
                    (1.0 - look.p_value.max(0.0)).max(0.0) * 100.0,
                )
            })
        })
}

fn percent(rate: f64) -> String {
    format!("{:.2} %", rate * 100.0)
}

/// `minor` units of `currency` as the merchant reads them.
fn money(minor: f64, currency: &str) -> String {
    format!("{:.2} {currency}", minor / minor_per_major(currency))
}

/// Checks every running experiment of the shop that has a guard rail and stops the arms
/// that breach it; returns them.
///
/// # Errors
/// The database's.
pub async fn check(
    conn: &DatabaseConnection,
    shop_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Tripped>, ExperimentError> {
    let mut tripped = Vec::new();
    let currency = shop::Entity::find_by_id(shop_id)
        .one(conn)
        .await?
        .map(|shop| shop.currency)
        .unwrap_or_default();
    for experiment in running(conn, shop_id).await? {
        let Some(margin) = experiment.definition.design.guard_margin else {
            continue;
        };
        let found = results(conn, shop_id, &experiment).await?;
        let Some((control, others)) = found.arms.split_first() else {
            continue;
        };
        for arm in others {
            let Some(reason) = breach(control, arm, margin, &currency) else {
                continue;
            };
            if stop_arm(conn, shop_id, experiment.id, &arm.name, &reason, now).await? {
                tracing::warn!(shop_id, experiment = experiment.id, arm = %arm.name, %reason, "guard rail stopped an arm");
                tripped.push(Tripped {
                    experiment_id: experiment.id,
                    arm: arm.name.clone(),
                    reason,
                });
            }
        }
    }
    Ok(tripped)
}
