//! Retries through the queue's storage rather than inside the worker. A transiently failed
//! attempt moves its job's `run_at` forward by an exponential backoff and returns; the
//! backend's ack then records the attempt as `Failed` (leaving `run_at` alone), and the fetch
//! query picks the job up again once `run_at` has come, while `attempts < max_attempts`.
//! Waiting in the storage frees the worker's concurrency slot, so one shop's failing job never
//! holds up other shops' jobs of its queue during its backoff.

use std::time::Duration;

use apalis::prelude::TaskId;
use chrono::{DateTime, TimeDelta, Utc};
use common::database::Pool;
use common::settings::WorkerSettings;
use rand::Rng;
use sea_orm::sqlx;

/// At most this fraction (1 / n) of a delay is taken off at random, so jobs that failed
/// together (a remote API down) do not all come back at the same moment.
const JITTER_DIVISOR: u64 = 4;

/// Exponential backoff between the attempts of a failed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBackoff {
    base_ms: u64,
    max_ms: u64,
}

impl RetryBackoff {
    /// From `worker.retry_backoff_base_ms` and `worker.retry_backoff_max_secs`.
    #[must_use]
    pub fn from_settings(settings: &WorkerSettings) -> Self {
        Self {
            base_ms: settings.retry_backoff_base_ms,
            max_ms: settings.retry_backoff_max_secs.saturating_mul(1_000),
        }
    }

    /// Wait after failed attempt `attempt` (1 for the first): the base doubled for each
    /// earlier attempt, capped at the maximum, less up to a quarter at random.
    #[must_use]
    pub fn delay(&self, attempt: usize, rng: &mut impl Rng) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        let full = self
            .base_ms
            .saturating_mul(2_u64.saturating_pow(doublings))
            .min(self.max_ms);
        let jitter = rng.random_range(0..=full / JITTER_DIVISOR);
        Duration::from_millis(full - jitter)
    }
}

/// Why a failed job's next run could not be scheduled.
#[derive(Debug, thiserror::Error)]
pub enum RescheduleError {
    /// The update failed.
    #[error("cannot reschedule job {task_id}: {source}")]
    Database {
        /// The job's id in the queue.
        task_id: String,
        /// The database error.
        source: sqlx::Error,
    },
    /// No queued job has this id (so the id's format and the table disagree).
    #[error("cannot reschedule job {0}: not in the queue")]
    NotFound(String),
}

/// Lets the queue run job `task_id` again once `delay` has passed, counted on the database's
/// clock: the fetch query compares `run_at` with the database's own time, so a worker whose
/// clock is off by a few seconds would otherwise shorten or stretch every wait.
///
/// # Errors
/// [`RescheduleError`] when the update fails or finds no such job.
pub async fn reschedule(
    pool: &Pool,
    task_id: &TaskId,
    delay: Duration,
) -> Result<(), RescheduleError> {
    let id = task_id.to_string();
    let result = match pool {
        // The embedded database reads this process's clock. apalis-sqlite keeps `run_at` in
        // whole unix seconds; rounded up so the wait is never shorter than the backoff.
        Pool::Sqlite(pool) => sqlx::query("UPDATE Jobs SET run_at = ?1 WHERE id = ?2")
            .bind(ceil_seconds(after(Utc::now(), delay)))
            .bind(&id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()),
        Pool::Postgres(pool) => sqlx::query(
            "UPDATE apalis.jobs SET run_at = now() + make_interval(secs => $1) WHERE id = $2",
        )
        .bind(delay.as_secs_f64())
        .bind(&id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()),
    };
    match result {
        Ok(0) => Err(RescheduleError::NotFound(id)),
        Ok(_) => Ok(()),
        Err(source) => Err(RescheduleError::Database {
            task_id: id,
            source,
        }),
    }
}

/// `now + delay`; only an absurd `retry_backoff_max_secs` overflows, and never running again
/// is its intent.
fn after(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn ceil_seconds(at: DateTime<Utc>) -> i64 {
    at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn backoff(base_ms: u64, max_secs: u64) -> RetryBackoff {
        RetryBackoff::from_settings(&WorkerSettings {
            retry_backoff_base_ms: base_ms,
            retry_backoff_max_secs: max_secs,
            ..WorkerSettings::default()
        })
    }

    fn delays(backoff: RetryBackoff, attempt: usize) -> Vec<Duration> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (0..200).map(|_| backoff.delay(attempt, &mut rng)).collect()
    }

    #[test]
    fn each_retry_waits_twice_as_long_less_up_to_a_quarter() {
        for (attempt, full_ms) in [(1, 1_000), (2, 2_000), (4, 8_000)] {
            let delays = delays(backoff(1_000, 300), attempt);
            let full = Duration::from_millis(full_ms);
            assert!(delays.iter().all(|d| *d <= full && *d >= full * 3 / 4));
            assert!(delays.iter().any(|d| *d != delays[0]), "no jitter");
        }
    }

    #[test]
    fn delays_stop_growing_at_the_maximum() {
        for attempt in [10, 64, usize::MAX] {
            let delays = delays(backoff(1_000, 300), attempt);
            let cap = Duration::from_secs(300);
            assert!(delays.iter().all(|d| *d <= cap && *d >= cap * 3 / 4));
        }
    }

    #[test]
    fn an_overflowing_wait_means_never_and_a_normal_one_adds_up() {
        let now = DateTime::from_timestamp(100, 0).unwrap();
        assert_eq!(after(now, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(
            after(now, Duration::from_millis(1_500)).timestamp_millis(),
            101_500
        );
    }

    #[test]
    fn sqlite_run_times_round_up_to_the_next_second() {
        let whole = DateTime::from_timestamp(100, 0).unwrap();
        let later = DateTime::from_timestamp(100, 1).unwrap();
        assert_eq!((ceil_seconds(whole), ceil_seconds(later)), (100, 101));
    }
}
