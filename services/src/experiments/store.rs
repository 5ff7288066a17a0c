//! Experiments in the database and their lifecycle: draft → running → stopped. A start is
//! refused (and nothing written) while another running experiment of the shop shares any
//! traffic with it; the check and the write happen under a lock on the shop's experiment
//! rows, so two overlapping starts racing cannot both land.
//!
//! Timestamps are the writer's clock. Nothing decides by comparing them: serving follows
//! `status`, and results count impressions by the experiment id they carry, so a skew between
//! the app's and the worker's clocks shifts the reported times only.

use chrono::{DateTime, Utc};
use common::database::begin_write;
use entity::experiment;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::Serialize;
use serde_json::Value;

use super::assign::overlaps;
use super::definition::{Arm, ArmStop, Definition};
use crate::settings::FieldError;

/// Where an experiment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Defined, serving nothing yet.
    Draft,
    /// Serving its arms.
    Running,
    /// Done; serves nothing, its results stay.
    Stopped,
}

impl Status {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Running => "running",
            Self::Stopped => "stopped",
        }
    }

    fn parse(stored: &str) -> Option<Self> {
        [Self::Draft, Self::Running, Self::Stopped]
            .into_iter()
            .find(|s| s.as_str() == stored)
    }
}

/// A stored experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    /// Row id.
    pub id: i64,
    /// Status.
    pub status: Status,
    /// `ab` or `holdout`.
    pub kind: &'static str,
    /// What the merchant defined.
    #[serde(flatten)]
    pub definition: Definition,
    /// Salt of the assignment hash (not secret: it only decorrelates experiments).
    #[serde(skip)]
    pub salt: String,
    /// When it was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it stopped.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it stopped.
    pub stop_reason: Option<String>,
}

/// Why an experiment operation did nothing.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// Fields failed validation.
    #[error("the experiment is not valid")]
    Invalid(Vec<FieldError>),
    /// No such experiment in the shop.
    #[error("no experiment {0}")]
    NotFound(i64),
    /// Another experiment of the shop has the name.
    #[error("an experiment named `{0}` exists already")]
    NameTaken(String),
    /// A running experiment shares traffic with the one being started.
    #[error("it shares traffic with running experiment {id} `{name}`; stop that one first")]
    Overlap {
        /// The other experiment's id.
        id: i64,
        /// Its name.
        name: String,
    },
    /// The operation does not apply in the experiment's status.
    #[error("the experiment is {status}; it cannot be {action}")]
    State {
        /// Its status.
        status: &'static str,
        /// What was asked.
        action: &'static str,
    },
    /// The database failed.
    #[error("storing the experiment failed")]
    Database(#[from] DbErr),
}

fn parse(row: experiment::Model) -> Result<Experiment, String> {
    let text = |s: &str| Value::String(s.to_owned());
    let definition = Definition {
        name: row.name,
        surface: row.surface.unwrap_or_default(),
        module: row.module,
        visitor: serde_json::from_value(text(&row.visitor)).map_err(|e| e.to_string())?,
        identity: serde_json::from_value(text(&row.identity)).map_err(|e| e.to_string())?,
        traffic_source: row.traffic_source,
        arms: serde_json::from_value(row.arms).map_err(|e| e.to_string())?,
        design: row
            .design
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| e.to_string())?
            .unwrap_or_default(),
    };
    Ok(Experiment {
        id: row.id,
        status: Status::parse(&row.status).ok_or("unknown status")?,
        kind: definition.kind(),
        definition,
        salt: row.salt,
        created_at: row.created_at,
        started_at: row.started_at,
        ended_at: row.ended_at,
        stop_reason: row.stop_reason,
    })
}

/// The rows that parse; one that does not (written by hand or a future version) is logged
/// and left out rather than failing the shop's serving.
fn parsed(rows: Vec<experiment::Model>) -> Vec<Experiment> {
    rows.into_iter()
        .filter_map(|row| {
            let (shop_id, id) = (row.shop_id, row.id);
            parse(row)
                .map_err(|reason| tracing::warn!(shop_id, id, %reason, "unreadable experiment"))
                .ok()
        })
        .collect()
}

fn json<T: Serialize>(value: &T) -> Result<Value, DbErr> {
    serde_json::to_value(value).map_err(|err| DbErr::Custom(err.to_string()))
}

/// Stores `definition` as a draft.
///
/// # Errors
/// [`ExperimentError::Invalid`] with every bad field, [`ExperimentError::NameTaken`].
pub async fn create(
    conn: &DatabaseConnection,
    shop_id: i64,
    definition: &Definition,
    now: DateTime<Utc>,
) -> Result<Experiment, ExperimentError> {
    definition.validate().map_err(ExperimentError::Invalid)?;
    let d = definition;
    let row = experiment::ActiveModel {
        shop_id: Set(shop_id),
        name: Set(d.name.trim().to_owned()),
        kind: Set(d.kind().to_owned()),
        surface: Set(d.surface().map(|s| crate::surface::name(s).to_owned())),
        module: Set(d.module.clone()),
        visitor: Set(json(&d.visitor)?.as_str().unwrap_or("all").to_owned()),
        identity: Set(json(&d.identity)?.as_str().unwrap_or("all").to_owned()),
        traffic_source: Set(d.traffic_source.clone()),
        salt: Set(uuid::Uuid::new_v4().to_string()),
        design: Set(Some(json(&d.design)?)),
        arms: Set(json(&d.arms)?),
        status: Set(Status::Draft.as_str().to_owned()),
        created_at: Set(Some(now)),
        ..Default::default()
    };
    match row.insert(conn).await {
        Ok(row) => parse(row).map_err(|e| ExperimentError::Database(DbErr::Custom(e))),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ExperimentError::NameTaken(d.name.trim().to_owned()))
        }
        Err(err) => Err(err.into()),
    }
}

/// The shop's experiments, newest first.
///
/// # Errors
/// The database's.
pub async fn list(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Vec<Experiment>, DbErr> {
    let rows = experiment::Entity::find()
        .filter(experiment::Column::ShopId.eq(shop_id))
        .order_by_desc(experiment::Column::Id)
        .all(conn)
        .await?;
    Ok(parsed(rows))
}

/// The shop's running experiments.
///
/// # Errors
/// The database's.
pub async fn running(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Vec<Experiment>, DbErr> {
    let rows = experiment::Entity::find()
        .filter(experiment::Column::ShopId.eq(shop_id))
        .filter(experiment::Column::Status.eq(Status::Running.as_str()))
        .order_by_asc(experiment::Column::Id)
        .all(conn)
        .await?;
    Ok(parsed(rows))
}

/// The shops running an experiment (for the scheduler, across shops).
///
/// # Errors
/// The database's.
pub async fn shops_running(conn: &impl ConnectionTrait) -> Result<Vec<i64>, DbErr> {
    experiment::Entity::find()
        .select_only()
        .column(experiment::Column::ShopId)
        .distinct()
        .filter(experiment::Column::Status.eq(Status::Running.as_str()))
        .into_tuple()
        .all(conn)
        .await
}

/// One experiment of the shop.
///
/// # Errors
/// [`ExperimentError::NotFound`] (also for another shop's id).
pub async fn get(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    id: i64,
) -> Result<Experiment, ExperimentError> {
    let row = experiment::Entity::find_by_id(id)
        .filter(experiment::Column::ShopId.eq(shop_id))
        .one(conn)
        .await?
        .ok_or(ExperimentError::NotFound(id))?;
    parse(row).map_err(|e| ExperimentError::Database(DbErr::Custom(e)))
}

/// Starts a draft.
///
/// # Errors
/// [`ExperimentError::Overlap`] naming a running experiment that shares traffic,
/// [`ExperimentError::Invalid`] when an arm no longer validates, [`ExperimentError::State`]
/// unless it is a draft, [`ExperimentError::NotFound`].
pub async fn start(
    conn: &DatabaseConnection,
    shop_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Experiment, ExperimentError> {
    let txn = begin_write(conn).await?;
    // Serialises starts of one shop on PostgreSQL (SQLite's write lock already does).
    experiment::Entity::find()
        .filter(experiment::Column::ShopId.eq(shop_id))
        .lock_exclusive()
        .all(&txn)
        .await?;
    let found = get(&txn, shop_id, id).await?;
    if found.status != Status::Draft {
        return Err(ExperimentError::State {
            status: found.status.as_str(),
            action: "started",
        });
    }
    found
        .definition
        .validate()
        .map_err(ExperimentError::Invalid)?;
    if let Some(other) = running(&txn, shop_id)
        .await?
        .into_iter()
        .find(|other| overlaps(&other.definition, &found.definition))
    {
        return Err(ExperimentError::Overlap {
            id: other.id,
            name: other.definition.name,
        });
    }
    let started = set_status(&txn, shop_id, id, Status::Running, now, None).await?;
    txn.commit().await?;
    Ok(started)
}

/// Stops a draft or running experiment for `reason`.
///
/// # Errors
/// [`ExperimentError::State`] when it is stopped already, [`ExperimentError::NotFound`].
pub async fn stop(
    conn: &DatabaseConnection,
    shop_id: i64,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Experiment, ExperimentError> {
    let txn = begin_write(conn).await?;
    let found = get(&txn, shop_id, id).await?;
    if found.status == Status::Stopped {
        return Err(ExperimentError::State {
            status: found.status.as_str(),
            action: "stopped",
        });
    }
    let stopped = set_status(&txn, shop_id, id, Status::Stopped, now, Some(reason)).await?;
    txn.commit().await?;
    Ok(stopped)
}

async fn set_status(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    id: i64,
    status: Status,
    now: DateTime<Utc>,
    reason: Option<&str>,
) -> Result<Experiment, ExperimentError> {
    let mut update = experiment::Entity::update_many()
        .col_expr(experiment::Column::Status, Expr::value(status.as_str()))
        .filter(experiment::Column::ShopId.eq(shop_id))
        .filter(experiment::Column::Id.eq(id));
    update = match status {
        Status::Running => update.col_expr(experiment::Column::StartedAt, Expr::value(Some(now))),
        Status::Stopped => update
            .col_expr(experiment::Column::EndedAt, Expr::value(Some(now)))
            .col_expr(
                experiment::Column::StopReason,
                Expr::value(reason.map(str::to_owned)),
            ),
        Status::Draft => update,
    };
    update.exec(conn).await?;
    get(conn, shop_id, id).await
}

/// Stops one arm of a running experiment (a guard rail's finding): its shoppers get the
/// control's policy from then on. Returns false when it was stopped already.
///
/// # Errors
/// [`ExperimentError::NotFound`], or the database's.
pub async fn stop_arm(
    conn: &DatabaseConnection,
    shop_id: i64,
    id: i64,
    arm: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, ExperimentError> {
    let txn = begin_write(conn).await?;
    let mut found = get(&txn, shop_id, id).await?;
    let Some(target) = found
        .definition
        .arms
        .iter_mut()
        .find(|a: &&mut Arm| a.name == arm && a.stopped.is_none())
    else {
        return Ok(false);
    };
    target.stopped = Some(ArmStop {
        at: now,
        reason: reason.to_owned(),
    });
    experiment::Entity::update_many()
        .col_expr(
            experiment::Column::Arms,
            Expr::value(json(&found.definition.arms)?),
        )
        .filter(experiment::Column::ShopId.eq(shop_id))
        .filter(experiment::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}
