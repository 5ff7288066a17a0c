//! The apalis adapter: runs one [`Job`] in a span and turns its outcome into what apalis
//! understands — done, retry later (after moving the job's next run out by the backoff), or
//! abort.

use apalis::prelude::{AbortError, Attempt, BoxDynError, Data, TaskId};
use common::Database;
use tracing::Instrument;

use crate::job::{Job, JobContext, JobError};
use crate::retry::{self, RetryBackoff};

/// The apalis handler for any [`Job`]. A transient failure with attempts left first moves the
/// job's next run out by the backoff (see [`crate::retry`]), so the wait happens in the
/// queue, not in this worker's slot.
///
/// # Errors
/// The job's error, boxed; permanent errors abort further attempts.
pub async fn handle<J: Job>(
    job: J,
    ctx: Data<JobContext>,
    backoff: Data<RetryBackoff>,
    attempt: Attempt,
    task_id: TaskId,
) -> Result<(), BoxDynError> {
    let attempt = attempt.current();
    let span = tracing::info_span!("job", name = J::NAME, attempt);
    async move {
        tracing::info!("job started");
        match job.run((*ctx).clone()).await {
            Ok(()) => {
                tracing::info!("job done");
                Ok(())
            }
            Err(err @ JobError::Permanent(_)) => {
                tracing::error!(reason = %err, "job failed permanently");
                Err(AbortError::new(err).into())
            }
            Err(err) if attempt < J::MAX_ATTEMPTS => {
                retry_later(&ctx.db, &backoff, &task_id, attempt, &err).await;
                Err(err.into())
            }
            Err(err) => {
                tracing::error!(%err, "job failed; no attempts left");
                Err(err.into())
            }
        }
    }
    .instrument(span)
    .await
}

/// Moves a transiently failed job's next run out by the backoff for `attempt`.
async fn retry_later(
    db: &Database,
    backoff: &RetryBackoff,
    task_id: &TaskId,
    attempt: usize,
    err: &JobError,
) {
    let delay = backoff.delay(attempt, &mut rand::rng());
    match retry::reschedule(&db.pool, task_id, delay).await {
        Ok(()) => tracing::warn!(%err, retry_in = ?delay, "job failed; will retry"),
        // The storage then fetches the job again at its next poll, without backoff (apalis's
        // own handling of a failed job): busier, but the job is not lost.
        Err(reschedule) => {
            tracing::warn!(%err, %reschedule, "job failed; will retry without backoff");
        }
    }
}
