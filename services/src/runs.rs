//! Progress and outcome of a shop's background jobs in `job_runs`, which the admin shows
//! ("precomputing lists: 1,200 / 3,200", "last trained 02:00, succeeded").
//!
//! A job calls [`JobRun::start`] when it begins, [`JobRun::progress`] as it goes and
//! [`JobRun::succeed`] or [`JobRun::fail`] at the end. A worker killed mid-job leaves its
//! row `running`; the retry marks it `interrupted` when it starts, so the admin never shows
//! two runs of one job in progress.

use chrono::Utc;
use entity::job_run;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Recent runs read to find the latest of each job.
const RECENT_RUNS: u64 = 500;

/// `job_runs.status` values.
pub mod status {
    /// In progress.
    pub const RUNNING: &str = "running";
    /// Finished.
    pub const SUCCEEDED: &str = "succeeded";
    /// Gave up or will be retried (see the error).
    pub const FAILED: &str = "failed";
    /// Its worker died; a later attempt took over.
    pub const INTERRUPTED: &str = "interrupted";
}

/// A run in progress.
#[derive(Debug, Clone)]
pub struct JobRun {
    shop_id: i64,
    id: i64,
}

impl JobRun {
    /// Records the start of `job` for `shop_id` (what it covers in `run_key`), after marking
    /// earlier unfinished runs of the same job and key as interrupted.
    ///
    /// # Errors
    /// The database error.
    pub async fn start(
        conn: &impl ConnectionTrait,
        shop_id: i64,
        job: &str,
        run_key: &str,
        total: Option<i64>,
    ) -> Result<Self, DbErr> {
        let now = Utc::now();
        job_run::Entity::update_many()
            .col_expr(job_run::Column::Status, Expr::value(status::INTERRUPTED))
            .col_expr(job_run::Column::FinishedAt, Expr::value(Some(now)))
            .filter(job_run::Column::ShopId.eq(shop_id))
            .filter(job_run::Column::Job.eq(job))
            .filter(job_run::Column::RunKey.eq(run_key))
            .filter(job_run::Column::Status.eq(status::RUNNING))
            .exec(conn)
            .await?;
        let row = job_run::ActiveModel {
            id: NotSet,
            shop_id: Set(shop_id),
            job: Set(job.to_owned()),
            run_key: Set(run_key.to_owned()),
            status: Set(status::RUNNING.to_owned()),
            done: Set(0),
            total: Set(total),
            detail: Set(None),
            error: Set(None),
            started_at: Set(now),
            updated_at: Set(now),
            finished_at: Set(None),
        }
        .insert(conn)
        .await?;
        Ok(Self {
            shop_id,
            id: row.id,
        })
    }

    /// Records how much is done (and the total once it is known).
    ///
    /// # Errors
    /// The database error.
    pub async fn progress(
        &self,
        conn: &impl ConnectionTrait,
        done: i64,
        total: Option<i64>,
    ) -> Result<(), DbErr> {
        let mut update = job_run::Entity::update_many()
            .col_expr(job_run::Column::Done, Expr::value(done))
            .col_expr(job_run::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(job_run::Column::ShopId.eq(self.shop_id))
            .filter(job_run::Column::Id.eq(self.id));
        if let Some(total) = total {
            update = update.col_expr(job_run::Column::Total, Expr::value(Some(total)));
        }
        update.exec(conn).await?;
        Ok(())
    }

    /// Records success with a short summary.
    ///
    /// # Errors
    /// The database error.
    pub async fn succeed(&self, conn: &impl ConnectionTrait, detail: &str) -> Result<(), DbErr> {
        self.finish(conn, status::SUCCEEDED, Some(detail), None)
            .await
    }

    /// Records failure.
    ///
    /// # Errors
    /// The database error.
    pub async fn fail(&self, conn: &impl ConnectionTrait, error: &str) -> Result<(), DbErr> {
        self.finish(conn, status::FAILED, None, Some(error)).await
    }

    async fn finish(
        &self,
        conn: &impl ConnectionTrait,
        outcome: &str,
        detail: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        job_run::Entity::update_many()
            .col_expr(job_run::Column::Status, Expr::value(outcome))
            .col_expr(job_run::Column::Detail, Expr::value(detail))
            .col_expr(job_run::Column::Error, Expr::value(error))
            .col_expr(job_run::Column::UpdatedAt, Expr::value(now))
            .col_expr(job_run::Column::FinishedAt, Expr::value(Some(now)))
            .filter(job_run::Column::ShopId.eq(self.shop_id))
            .filter(job_run::Column::Id.eq(self.id))
            .exec(conn)
            .await?;
        Ok(())
    }
}

/// The latest run of every job of a shop (among its recent runs), newest first.
///
/// # Errors
/// The database error.
pub async fn latest(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<Vec<job_run::Model>, DbErr> {
    let rows = job_run::Entity::find()
        .filter(job_run::Column::ShopId.eq(shop_id))
        .order_by_desc(job_run::Column::Id)
        .limit(RECENT_RUNS)
        .all(conn)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|row| seen.insert(row.job.clone()))
        .collect())
}
