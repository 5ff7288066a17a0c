//! Recording a shopper's arm on first exposure, and keeping it.
//!
//! The subject is the customer id when the request names a logged-in customer, else the
//! browser's anonymous id ([`subject`]). A recorded row wins over the hash, so an arm stays
//! the shopper's for the experiment's life. Across devices:
//!
//! - An anonymous shopper with an arm who logs in, and whose customer has none yet, carries
//!   the arm over: the customer is recorded with it, and every device they log in on from
//!   then gets it.
//! - If the customer already has an arm (they logged in on another device first), the
//!   customer's arm wins and this browser switches to it at login, once. Its earlier
//!   impressions stay counted under the arm they were served with (each impression records
//!   its arm), so nothing is re-attributed.
//!
//! New or returning is told once, at first exposure; a recorded shopper stays in the
//! experiment when they later become returning.

use chrono::{DateTime, Utc};
use common::database::insert_if_absent;
use entity::experiment_assignment as row;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::assign::{arm_for, bucket, subject};
use super::store::Experiment;

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub struct Shopper<'a> {
    /// Logged-in customer.
    pub customer_id: Option<i64>,
    /// Browser id.
    pub anonymous_id: Option<&'a str>,
}

/// The arm recorded for `subject`, if any.
async fn recorded(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment_id: i64,
    subject: &str,
) -> Result<Option<String>, DbErr> {
    Ok(
        row::Entity::find_by_id((shop_id, experiment_id, subject.to_owned()))
            .one(conn)
            .await?
            .map(|r| r.arm),
    )
}

/// Records `arm` for `subject` unless one is recorded already; returns the recorded arm
/// (another process may have recorded first).
async fn record(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment_id: i64,
    subject: &str,
    arm: &str,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let new = row::ActiveModel {
        shop_id: Set(shop_id),
        experiment_id: Set(experiment_id),
        subject_id: Set(subject.to_owned()),
        arm: Set(arm.to_owned()),
        assigned_at: Set(now),
    };
    let key = OnConflict::columns([
        row::Column::ShopId,
        row::Column::ExperimentId,
        row::Column::SubjectId,
    ])
    .do_nothing()
    .to_owned();
    if insert_if_absent(conn, new, key).await? {
        return Ok(arm.to_owned());
    }
    Ok(recorded(conn, shop_id, experiment_id, subject)
        .await?
        .unwrap_or_else(|| arm.to_owned()))
}

/// The shopper's arm in `experiment`, recording it on first exposure; `None` when the request
/// names no shopper, or (first exposure only) when `returning` says they are outside the
/// experiment's visitor segment. `returning` is asked only when needed.
///
/// # Errors
/// The database's.
pub async fn arm_of<F>(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment: &Experiment,
    shopper: Shopper<'_>,
    returning: F,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr>
where
    F: AsyncFnOnce() -> Result<bool, DbErr>,
{
    let Some(subject) = subject(shopper.customer_id, shopper.anonymous_id) else {
        return Ok(None);
    };
    let id = experiment.id;
    if let Some(arm) = recorded(conn, shop_id, id, &subject).await? {
        return Ok(Some(arm));
    }
    // A customer seen for the first time keeps the arm their browser had.
    if shopper.customer_id.is_some()
        && let Some(browser) = shopper.anonymous_id
        && let Some(arm) = recorded(conn, shop_id, id, browser).await?
    {
        return record(conn, shop_id, id, &subject, &arm, now)
            .await
            .map(Some);
    }
    if !experiment.definition.admits(returning().await?) {
        return Ok(None);
    }
    let Some(arm) = arm_for(
        &experiment.definition.arms,
        bucket(&experiment.salt, &subject),
    ) else {
        return Ok(None);
    };
    record(conn, shop_id, id, &subject, &arm.name, now)
        .await
        .map(Some)
}

/// Counts of recorded shoppers per arm (for the results).
///
/// # Errors
/// The database's.
pub async fn counts(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment_id: i64,
) -> Result<Vec<(String, i64)>, DbErr> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{Expr, Func};
    row::Entity::find()
        .select_only()
        .column(row::Column::Arm)
        .column_as(
            Expr::expr(Func::count(Expr::col(row::Column::SubjectId))),
            "n",
        )
        .filter(row::Column::ShopId.eq(shop_id))
        .filter(row::Column::ExperimentId.eq(experiment_id))
        .group_by(row::Column::Arm)
        .into_tuple()
        .all(conn)
        .await
}
