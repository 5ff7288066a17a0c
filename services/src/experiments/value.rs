//! Customer value per arm: of the customers an experiment assigned to each arm (the
//! assignment's subject is the customer id once the shopper is known), the revenue of their
//! orders within 60, 90 and 180 days of the assignment — cohort LTV with the arm as the
//! cohort. A window counts only the customers assigned long enough ago for it to have
//! passed (a young experiment shows its 180-day value as not complete, never as zero), and
//! each arm's mean comes with its normal interval and, against the control, Welch's interval
//! of the difference.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{experiment_assignment, order};
use ranker::stats::{Interval, Mean, MeanDifference};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use super::store::Experiment;
use crate::rollups::chunks;

/// The windows, in days after the assignment.
pub const VALUE_WINDOWS: [i64; 3] = [60, 90, 180];

/// Confidence of the intervals.
const CONFIDENCE: f64 = 0.95;

/// One arm's value over one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowValue {
    /// Days after the assignment.
    pub days: i64,
    /// Customers assigned at least that long ago.
    pub customers: u64,
    /// Their mean revenue within the window, minor units of the shop currency.
    pub revenue_per_customer: f64,
    /// Its normal interval.
    pub interval: Interval,
    /// Against the control (absent for the control, or below two customers a side).
    pub vs_control: Option<MeanDifference>,
}

/// One arm's customer value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmValue {
    /// Arm name.
    pub arm: String,
    /// Customers assigned to it.
    pub customers: u64,
    /// Per window of [`VALUE_WINDOWS`].
    pub windows: Vec<WindowValue>,
}

/// A customer assigned to an arm, and when.
struct Assigned {
    arm: String,
    customer: i64,
    at: DateTime<Utc>,
}

/// The experiment's customer value per arm as of `now`, the control first.
///
/// # Errors
/// The database's.
pub async fn customer_value(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment: &Experiment,
    now: DateTime<Utc>,
) -> Result<Vec<ArmValue>, DbErr> {
    let assigned = assigned_customers(conn, shop_id, experiment.id).await?;
    let orders = orders_of(conn, shop_id, &assigned).await?;
    let revenue = |a: &Assigned, days: i64| -> f64 {
        let end = a.at + Duration::days(days);
        let total: i64 = orders
            .get(&a.customer)
            .into_iter()
            .flatten()
            .filter(|(placed, _)| *placed >= a.at && *placed < end)
            .map(|(_, total)| total)
            .sum();
        total as f64
    };
    let sample = |arm: &str, days: i64| {
        Mean::of(
            assigned
                .iter()
                .filter(|a| a.arm == arm && a.at + Duration::days(days) <= now)
                .map(|a| revenue(a, days)),
        )
    };
    let control = experiment.definition.control().map(|arm| arm.name.as_str());
    Ok(experiment
        .definition
        .arms
        .iter()
        .map(|arm| ArmValue {
            arm: arm.name.clone(),
            customers: assigned.iter().filter(|a| a.arm == arm.name).count() as u64,
            windows: VALUE_WINDOWS
                .iter()
                .map(|&days| {
                    let mine = sample(&arm.name, days);
                    let vs_control = control
                        .filter(|c| *c != arm.name)
                        .and_then(|c| mine.minus(&sample(c, days), CONFIDENCE));
                    WindowValue {
                        days,
                        customers: mine.count(),
                        revenue_per_customer: mine.mean(),
                        interval: mine.interval(CONFIDENCE),
                        vs_control,
                    }
                })
                .collect(),
        })
        .collect())
}

/// The experiment's assignments whose subject is a customer id.
async fn assigned_customers(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment_id: i64,
) -> Result<Vec<Assigned>, DbErr> {
    use experiment_assignment::Column as C;
    let rows: Vec<(String, String, DateTime<Utc>)> = experiment_assignment::Entity::find()
        .select_only()
        .columns([C::Arm, C::SubjectId, C::AssignedAt])
        .filter(C::ShopId.eq(shop_id))
        .filter(C::ExperimentId.eq(experiment_id))
        .into_tuple()
        .all(conn)
        .await?;
    // Anonymous subjects are browser ids, which never parse as a number.
    Ok(rows
        .into_iter()
        .filter_map(|(arm, subject, at)| {
            Some(Assigned {
                arm,
                customer: subject.parse().ok()?,
                at,
            })
        })
        .collect())
}

/// The orders of the assigned customers, `(placed at, total)` by customer.
async fn orders_of(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    assigned: &[Assigned],
) -> Result<HashMap<i64, Vec<(DateTime<Utc>, i64)>>, DbErr> {
    let mut out: HashMap<i64, Vec<(DateTime<Utc>, i64)>> = HashMap::new();
    for customers in chunks(assigned.iter().map(|a| a.customer)) {
        let rows: Vec<(Option<i64>, DateTime<Utc>, i64)> = order::Entity::find()
            .select_only()
            .columns([
                order::Column::CustomerId,
                order::Column::PlacedAt,
                order::Column::TotalMinor,
            ])
            .filter(order::Column::ShopId.eq(shop_id))
            .filter(order::Column::CustomerId.is_in(customers))
            .into_tuple()
            .all(conn)
            .await?;
        for (customer, placed, total) in rows {
            if let Some(customer) = customer {
                out.entry(customer).or_default().push((placed, total));
            }
        }
    }
    Ok(out)
}
