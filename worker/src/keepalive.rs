//! Keeping this process's apalis workers alive, and taking back the jobs of workers that
//! died, on a timer of the process's own.
//!
//! apalis beats for a worker only from the worker's own poll loop, which stalls while the
//! worker holds fetched jobs it has no slot for, and a worker that dies on a database error
//! is restarted under a new name. Either way another process would take its running jobs
//! for orphans and run them again. Here the heartbeat task beats for the current worker of
//! every queue, whatever the workers are doing, and re-queues the jobs of workers nobody
//! has beaten for within [`orphan_after`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::database::Pool;
use sea_orm::sqlx;

/// A worker whose last beat is this old, at least, has died: well above a beat delayed by
/// a busy database (SQLite waits up to its busy timeout, 5 s by default, for a lock).
const MIN_ORPHAN_AFTER: Duration = Duration::from_secs(15);
/// Beats that may be missed before a worker counts as dead.
const MISSED_BEATS: u32 = 3;

/// How long a worker may go without a beat before its running jobs are re-queued.
#[must_use]
pub fn orphan_after(beat: Duration) -> Duration {
    (beat * MISSED_BEATS).max(MIN_ORPHAN_AFTER)
}

/// The apalis worker this process currently runs for each queue (a restart replaces it).
#[derive(Debug, Clone, Default)]
pub struct LiveWorkers(Arc<Mutex<HashMap<&'static str, String>>>);

impl LiveWorkers {
    /// `name` is now the worker of `queue`.
    pub fn started(&self, queue: &'static str, name: String) {
        if let Ok(mut workers) = self.0.lock() {
            workers.insert(queue, name);
        }
    }

    /// The worker `name` stopped: nobody beats for it any more, so its jobs are recovered.
    pub fn stopped(&self, name: &str) {
        if let Ok(mut workers) = self.0.lock() {
            workers.retain(|_, current| current != name);
        }
    }

    /// The names to beat for.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|workers| workers.values().cloned().collect())
            .unwrap_or_default()
    }
}

/// Marks `names` as seen now.
///
/// # Errors
/// The database error.
pub async fn beat(pool: &Pool, names: &[String]) -> Result<(), sqlx::Error> {
    match pool {
        Pool::Sqlite(pool) => {
            let names = serde_json::to_string(names).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "UPDATE Workers SET last_seen = strftime('%s', 'now') \
                 WHERE id IN (SELECT value FROM json_each(?1))",
            )
            .bind(names)
            .execute(pool)
            .await?;
        }
        Pool::Postgres(pool) => {
            sqlx::query("UPDATE apalis.workers SET last_seen = now() WHERE id = ANY($1)")
                .bind(names)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// Puts the running or fetched jobs of every worker not seen for `stale_after` back in the
/// queue (an attempt counted, as apalis counts it); returns how many.
///
/// # Errors
/// The database error.
pub async fn recover_orphans(pool: &Pool, stale_after: Duration) -> Result<u64, sqlx::Error> {
    let seconds = i64::try_from(stale_after.as_secs()).unwrap_or(i64::MAX);
    let done = match pool {
        Pool::Sqlite(pool) => sqlx::query(
            "UPDATE Jobs SET status = 'Pending', done_at = NULL, lock_by = NULL, \
                 lock_at = NULL, attempts = attempts + 1, \
                 last_result = '{\"Err\": \"Re-enqueued: its worker stopped beating.\"}' \
                 WHERE status IN ('Running', 'Queued') AND lock_by IN \
                 (SELECT id FROM Workers WHERE strftime('%s', 'now') - last_seen >= ?1)",
        )
        .bind(seconds)
        .execute(pool)
        .await?
        .rows_affected(),
        Pool::Postgres(pool) => sqlx::query(
            "WITH stale AS (SELECT jobs.id FROM apalis.jobs \
                 JOIN apalis.workers ON jobs.lock_by = workers.id \
                 WHERE jobs.status IN ('Running', 'Queued') \
                 AND workers.last_seen <= now() - make_interval(secs => $1) \
                 FOR UPDATE OF jobs SKIP LOCKED) \
                 UPDATE apalis.jobs SET status = 'Pending', done_at = NULL, lock_by = NULL, \
                 lock_at = NULL, attempts = attempts + 1, \
                 last_result = '{\"Err\": \"Re-enqueued: its worker stopped beating.\"}' \
                 FROM stale WHERE apalis.jobs.id = stale.id",
        )
        .bind(stale_after.as_secs_f64())
        .execute(pool)
        .await?
        .rows_affected(),
    };
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_counts_as_dead_only_well_after_a_busy_database_could_delay_its_beat() {
        assert_eq!(orphan_after(Duration::from_secs(1)), MIN_ORPHAN_AFTER);
        assert_eq!(
            orphan_after(Duration::from_secs(10)),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn a_restart_replaces_the_queue_s_worker_and_a_stop_forgets_it() {
        let live = LiveWorkers::default();
        live.started("jobs", "jobs-0".into());
        live.started("jobs", "jobs-1".into());
        live.started("other", "other-0".into());
        live.stopped("jobs-0");
        let mut names = live.names();
        names.sort();
        assert_eq!(names, ["jobs-1", "other-0"]);
        live.stopped("jobs-1");
        assert_eq!(live.names(), ["other-0"]);
    }
}
