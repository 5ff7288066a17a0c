//! Keeping this process's apalis workers alive, and taking back the jobs of workers that
//! died, on a timer of the process's own.
//!
//! apalis beats for a worker only from the worker's own poll loop, which stalls while the
//! worker holds fetched jobs it has no slot for, and a worker that dies on a database error
//! is restarted under a new name. Either way another process would take its running jobs
//! for orphans and run them again. Here the heartbeat task beats for the current worker of
//! every queue, whatever the workers are doing, and re-queues the jobs of workers nobody
//! has beaten for within [`orphan_after`] — on SQLite, only of those the OS says are gone
//! ([`HostLocks`]).

use std::collections::HashMap;
use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::database::Pool;
use sea_orm::sqlx;

use crate::host_locks::HostLocks;

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

/// A worker that keeps running this long after a restart has recovered: its queue's run of
/// failures is over, and the next failure starts the backoff afresh.
const STABLE_AFTER: Duration = Duration::from_secs(60);
/// A queue failing without a break for this long counts as down for readiness.
const DOWN_AFTER: Duration = Duration::from_secs(30);
/// First wait before restarting a failed worker; it doubles with each failure in a row.
const FIRST_RESTART_DELAY: Duration = Duration::from_secs(1);
/// Longest wait between restarts: a queue is retried at least this often, forever.
const MAX_RESTART_DELAY: Duration = Duration::from_secs(60);

/// One queue's worker, and its current run of failures.
#[derive(Debug, Default)]
struct QueueWorker {
    /// The current worker's name (`None` between its failure and its restart).
    name: Option<String>,
    /// Since when the current worker has been polling (after its restart delay).
    up_since: Option<Instant>,
    /// Failures in a row (each within [`STABLE_AFTER`] of the restart before it).
    failures: u32,
    /// When the current run of failures began.
    failing_since: Option<Instant>,
    /// The current worker's lock file, on SQLite.
    lock: Option<File>,
}

impl QueueWorker {
    /// Forgets a run of failures the worker has since recovered from.
    fn settle(&mut self, now: Instant) {
        if self
            .up_since
            .is_some_and(|up| now.duration_since(up) >= STABLE_AFTER)
        {
            self.failures = 0;
            self.failing_since = None;
        }
    }
}

/// The apalis worker this process currently runs for each queue (a restart replaces it),
/// and how each queue's workers have been failing: restarts back off, and a queue that
/// keeps failing is reported down. On SQLite each current worker holds its lock file.
#[derive(Debug, Clone, Default)]
pub struct LiveWorkers {
    queues: Arc<Mutex<HashMap<&'static str, QueueWorker>>>,
    locks: Option<HostLocks>,
}

impl LiveWorkers {
    /// Workers that hold their lock in `locks` while they live (SQLite), or nowhere.
    #[must_use]
    pub fn new(locks: Option<HostLocks>) -> Self {
        Self {
            queues: Arc::default(),
            locks,
        }
    }

    /// Where other workers' locks are asked after, if anywhere.
    #[must_use]
    pub fn locks(&self) -> Option<&HostLocks> {
        self.locks.as_ref()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<&'static str, QueueWorker>) -> T) -> Option<T> {
        self.queues.lock().ok().map(|mut queues| f(&mut queues))
    }

    /// `name` is now the worker of `queue` (it starts polling after [`Self::restart_delay`]).
    /// A lock that cannot be taken is logged: the worker then goes by its beats alone.
    pub fn started(&self, queue: &'static str, name: String) {
        let lock = self.locks.as_ref().and_then(|locks| {
            locks
                .hold(&name)
                .inspect_err(|err| tracing::warn!(%err, worker = %name, "cannot take the worker's lock file"))
                .ok()
        });
        self.with(|queues| {
            let worker = queues.entry(queue).or_default();
            worker.name = Some(name);
            worker.lock = lock;
        });
    }

    /// The worker of `queue` started polling at `now`.
    pub fn polling(&self, queue: &'static str, now: Instant) {
        self.with(|queues| queues.entry(queue).or_default().up_since = Some(now));
    }

    /// The worker `name` stopped with an error at `now`: nobody beats for it any more, so
    /// its jobs are recovered, and its queue's run of failures grows.
    pub fn stopped(&self, name: &str, now: Instant) {
        self.with(|queues| {
            let Some(queue) = queues
                .values_mut()
                .find(|queue| queue.name.as_deref() == Some(name))
            else {
                return;
            };
            queue.settle(now);
            if let (Some(locks), Some(lock)) = (&self.locks, queue.lock.take()) {
                locks.release(name, lock);
            }
            queue.name = None;
            queue.up_since = None;
            queue.failures = queue.failures.saturating_add(1);
            queue.failing_since.get_or_insert(now);
        });
    }

    /// How long the next worker of `queue` waits before polling: nothing at first, then
    /// doubling with each failure in a row, up to [`MAX_RESTART_DELAY`].
    #[must_use]
    pub fn restart_delay(&self, queue: &'static str, now: Instant) -> Duration {
        let failures = self
            .with(|queues| {
                let worker = queues.entry(queue).or_default();
                worker.settle(now);
                worker.failures
            })
            .unwrap_or(0);
        match failures.checked_sub(1) {
            None => Duration::ZERO,
            Some(doublings) => FIRST_RESTART_DELAY
                .saturating_mul(2_u32.saturating_pow(doublings.min(16)))
                .min(MAX_RESTART_DELAY),
        }
    }

    /// The queues that have been failing without a break for [`DOWN_AFTER`] at `now`.
    #[must_use]
    pub fn down(&self, now: Instant) -> Vec<&'static str> {
        let mut down = self
            .with(|queues| {
                queues
                    .iter_mut()
                    .filter_map(|(queue, worker)| {
                        worker.settle(now);
                        let since = worker.failing_since?;
                        (now.duration_since(since) >= DOWN_AFTER).then_some(*queue)
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        down.sort_unstable();
        down
    }

    /// The names to beat for.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.with(|queues| queues.values().filter_map(|q| q.name.clone()).collect())
            .unwrap_or_default()
    }

    /// Lets go of every lock at shutdown (the workers have stopped; what they left running
    /// is for the others to recover).
    pub fn release_all(&self) {
        self.with(|queues| {
            for worker in queues.values_mut() {
                if let (Some(locks), Some(name), Some(lock)) =
                    (&self.locks, &worker.name, worker.lock.take())
                {
                    locks.release(name, lock);
                }
            }
        });
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
/// queue (an attempt counted, as apalis counts it); returns how many. With `locks` (SQLite)
/// a worker whose lock is still held is alive however late its beats, and keeps its jobs.
///
/// # Errors
/// The database error.
pub async fn recover_orphans(
    pool: &Pool,
    stale_after: Duration,
    locks: Option<&HostLocks>,
) -> Result<u64, sqlx::Error> {
    let seconds = i64::try_from(stale_after.as_secs()).unwrap_or(i64::MAX);
    let done = match pool {
        Pool::Sqlite(pool) => {
            let late: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT lock_by FROM Jobs JOIN Workers ON Jobs.lock_by = Workers.id \
                 WHERE Jobs.status IN ('Running', 'Queued') \
                 AND strftime('%s', 'now') - Workers.last_seen >= ?1",
            )
            .bind(seconds)
            .fetch_all(pool)
            .await?;
            let dead: Vec<String> = late
                .into_iter()
                .filter(|worker| !locks.is_some_and(|locks| locks.is_held(worker)))
                .collect();
            if dead.is_empty() {
                return Ok(0);
            }
            let dead = serde_json::to_string(&dead).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "UPDATE Jobs SET status = 'Pending', done_at = NULL, lock_by = NULL, \
                 lock_at = NULL, attempts = attempts + 1, \
                 last_result = '{\"Err\": \"Re-enqueued: its worker stopped beating.\"}' \
                 WHERE status IN ('Running', 'Queued') \
                 AND lock_by IN (SELECT value FROM json_each(?1)) \
                 AND lock_by IN (SELECT id FROM Workers \
                 WHERE strftime('%s', 'now') - last_seen >= ?2)",
            )
            .bind(dead)
            .bind(seconds)
            .execute(pool)
            .await?
            .rows_affected()
        }
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
        let (live, now) = (LiveWorkers::default(), Instant::now());
        live.started("jobs", "jobs-0".into());
        live.started("jobs", "jobs-1".into());
        live.started("other", "other-0".into());
        live.stopped("jobs-0", now);
        let mut names = live.names();
        names.sort();
        assert_eq!(names, ["jobs-1", "other-0"]);
        live.stopped("jobs-1", now);
        assert_eq!(live.names(), ["other-0"]);
    }

    /// Fails the worker of `queue` at `at`, restarts it, and has it poll right after its delay;
    /// returns that delay.
    fn fail(live: &LiveWorkers, queue: &'static str, round: u32, at: Instant) -> Duration {
        let name = format!("{queue}-{round}");
        live.started(queue, name.clone());
        live.polling(queue, at);
        live.stopped(&name, at);
        live.restart_delay(queue, at)
    }

    #[test]
    fn restarts_back_off_doubling_to_a_minute_and_go_on_forever() {
        let (live, start) = (LiveWorkers::default(), Instant::now());
        assert_eq!(live.restart_delay("jobs", start), Duration::ZERO);
        let mut at = start;
        let delays: Vec<u64> = (0..40)
            .map(|round| {
                let delay = fail(&live, "jobs", round, at);
                at += delay;
                delay.as_secs()
            })
            .collect();
        assert_eq!(delays[..8], [1, 2, 4, 8, 16, 32, 60, 60]);
        assert!(delays[8..].iter().all(|&delay| delay == 60));
    }

    #[test]
    fn a_queue_failing_for_half_a_minute_is_down_until_its_worker_stays_up() {
        let (live, start) = (LiveWorkers::default(), Instant::now());
        live.started("other", "other-0".into());
        let mut at = start;
        for round in 0..4 {
            at += fail(&live, "jobs", round, at);
        }
        // 1 + 2 + 4 + 8 s of failing: not yet down.
        assert!(live.down(at).is_empty());
        at += fail(&live, "jobs", 4, at);
        assert_eq!(live.down(at), ["jobs"]);
        // Restarted and polling for a minute: recovered, and the backoff starts afresh.
        let recovered = at + Duration::from_secs(100);
        live.started("jobs", "jobs-6".into());
        live.polling("jobs", recovered);
        assert_eq!(live.down(recovered), ["jobs"]);
        let later = recovered + STABLE_AFTER;
        assert!(live.down(later).is_empty());
        assert_eq!(fail(&live, "jobs", 7, later), FIRST_RESTART_DELAY);
    }
}
