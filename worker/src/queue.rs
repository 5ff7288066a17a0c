//! Enqueueing typed jobs onto the durable queue that lives in the app's database.

use apalis::prelude::{BoxDynError, Task, TaskBuilder, TaskSink, TaskSinkError};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use common::Database;
use common::database::Pool;
use sea_orm::sqlx::{PgPool, SqlitePool};

use crate::job::{Job, dedupe_key};

/// Why a job could not be queued or the queue could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// Creating the queue's tables failed.
    #[error("job queue set-up failed")]
    Setup(#[source] sea_orm::sqlx::migrate::MigrateError),
    /// Writing the job failed.
    #[error("cannot queue job `{job}`")]
    Push {
        /// Job name.
        job: &'static str,
        /// Storage error.
        #[source]
        source: BoxDynError,
    },
}

/// Handle for enqueueing jobs; cheap to clone.
#[derive(Debug, Clone)]
pub struct JobQueue {
    pool: Pool,
}

/// Prepares the queue's tables (idempotent). The apalis migrations are applied with their
/// own migrator rather than `setup()`, which would also switch SQLite to `synchronous=OFF`.
///
/// # Errors
/// [`QueueError::Setup`] when a migration fails.
pub async fn setup(db: &Database) -> Result<(), QueueError> {
    let result = match &db.pool {
        Pool::Sqlite(pool) => SqliteStorage::<()>::migrations().run(pool).await,
        Pool::Postgres(pool) => PostgresStorage::<()>::migrations().run(pool).await,
    };
    result.map_err(QueueError::Setup)
}

impl JobQueue {
    /// Sets up the queue's tables and returns a handle.
    ///
    /// # Errors
    /// [`QueueError::Setup`] when the tables cannot be created.
    pub async fn new(db: &Database) -> Result<Self, QueueError> {
        setup(db).await?;
        Ok(Self {
            pool: db.pool.clone(),
        })
    }

    /// The pool the queue lives in (workers poll it).
    #[must_use]
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A handle on a database whose queue tables already exist (inside running jobs).
    #[must_use]
    pub fn attached(db: &Database) -> Self {
        Self {
            pool: db.pool.clone(),
        }
    }

    /// Queues `job` with its declared attempt budget. A job whose dedupe key is already
    /// queued (or done) is not queued again.
    ///
    /// # Errors
    /// [`QueueError::Push`] when the database refuses the write.
    pub async fn push<J: Job>(&self, job: J) -> Result<(), QueueError> {
        self.push_task(job, None).await
    }

    /// Like [`JobQueue::push`], but the job runs no earlier than `run_at`.
    ///
    /// # Errors
    /// [`QueueError::Push`] when the database refuses the write.
    pub async fn push_at<J: Job>(
        &self,
        job: J,
        run_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), QueueError> {
        self.push_task(job, Some(run_at)).await
    }

    /// Queues `jobs` with one write where the database allows; like [`JobQueue::push`] for
    /// each, a job whose dedupe key is already queued (or done) is not queued again.
    ///
    /// # Errors
    /// [`QueueError::Push`] when the database refuses the write.
    pub async fn push_all<J: Job>(&self, jobs: Vec<J>) -> Result<(), QueueError> {
        let tasks: Vec<Task<J>> = jobs.iter().map(|job| task(job, None)).collect();
        let tasks = futures::stream::iter(tasks);
        let result = match &self.pool {
            // SQLite ignores a repeated idempotency key row by row.
            Pool::Sqlite(pool) => sqlite_storage::<J>(pool)
                .push_all(tasks)
                .await
                .map_err(BoxDynError::from),
            // PostgreSQL refuses the whole batch for one repeated key: then one at a time,
            // each duplicate skipped.
            Pool::Postgres(pool) => match postgres_storage::<J>(pool).push_all(tasks).await {
                Err(err) if is_unique_violation(&err) => {
                    for job in jobs {
                        self.push(job).await?;
                    }
                    Ok(())
                }
                result => result.map_err(BoxDynError::from),
            },
        };
        result.map_err(|source| QueueError::Push {
            job: J::NAME,
            source,
        })
    }

    async fn push_task<J: Job>(
        &self,
        job: J,
        run_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<(), QueueError> {
        let task = task(&job, run_at);
        let result = match &self.pool {
            // SQLite ignores a repeated idempotency key by itself.
            Pool::Sqlite(pool) => sqlite_storage::<J>(pool)
                .push_task(task)
                .await
                .map_err(BoxDynError::from),
            Pool::Postgres(pool) => match postgres_storage::<J>(pool).push_task(task).await {
                Err(err) if is_unique_violation(&err) => {
                    tracing::debug!(job = J::NAME, "duplicate job not queued again");
                    Ok(())
                }
                result => result.map_err(BoxDynError::from),
            },
        };
        result.map_err(|source| QueueError::Push {
            job: J::NAME,
            source,
        })
    }
}

/// The queue's task for `job`: its attempt budget, start time and dedupe key.
fn task<J: Job>(job: &J, run_at: Option<chrono::DateTime<chrono::Utc>>) -> Task<J> {
    let mut builder = TaskBuilder::new(job.clone()).max_attempts(J::MAX_ATTEMPTS);
    if let Some(at) = run_at {
        builder = builder.run_at_timestamp(u64::try_from(at.timestamp()).unwrap_or(0));
    }
    if let Some(key) = dedupe_key(job) {
        builder = builder.idempotency_key(key);
    }
    builder.build()
}

/// A job's storage on SQLite, bound to the job's own queue.
pub(crate) fn sqlite_storage<J: Job>(pool: &SqlitePool) -> SqliteStorage<J> {
    SqliteStorage::new(pool).with_config(apalis_sqlite::Config::default().queue(J::NAME))
}

/// A job's storage on PostgreSQL, bound to the job's own queue.
pub(crate) fn postgres_storage<J: Job>(pool: &PgPool) -> PostgresStorage<J> {
    PostgresStorage::new(pool).with_config(apalis_postgres::Config::default().queue(J::NAME))
}

/// PostgreSQL reports a repeated idempotency key as a unique violation (SQLSTATE 23505).
fn is_unique_violation(err: &TaskSinkError<apalis_postgres::Error>) -> bool {
    match err {
        TaskSinkError::PushError(apalis_postgres::Error::Database(err)) => err
            .as_database_error()
            .is_some_and(|err| err.is_unique_violation()),
        _ => false,
    }
}
