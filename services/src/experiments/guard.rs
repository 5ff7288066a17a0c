//! Guard rails: an arm whose CTR falls below the control's by more than the design's margin
//! (a share of the control's CTR), with the always-valid confidence of the sequential test,
//! is stopped; its shoppers get the control's policy from then on. Checked by a worker job
//! at any cadence: the test's interval holds at every look, so frequent checks do not stop
//! healthy arms more often.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

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

/// The finding when `arm` breaches `margin` against `control`, else `None`.
fn breach(control: &ArmResult, arm: &ArmResult, margin: f64) -> Option<String> {
    let look = arm.vs_control?.ctr;
    let bound = margin * control.ctr.rate;
    (arm.stopped.is_none() && bound > 0.0 && look.worse_by_more_than(bound)).then(|| {
        format!(
            "guard rail: CTR {:.2} % against the control's {:.2} %, below it by more than \
             {:.0} % of it with {:.0} % confidence",
            arm.ctr.rate * 100.0,
            control.ctr.rate * 100.0,
            margin * 100.0,
            (1.0 - look.p_value.max(0.0)).max(0.0) * 100.0,
        )
    })
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
    for experiment in running(conn, shop_id).await? {
        let Some(margin) = experiment.definition.design.guard_margin else {
            continue;
        };
        let found = results(conn, shop_id, &experiment).await?;
        let Some((control, others)) = found.arms.split_first() else {
            continue;
        };
        for arm in others {
            let Some(reason) = breach(control, arm, margin) else {
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
