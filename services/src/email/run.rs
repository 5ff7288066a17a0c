//! What one push works with and reports: its options, the customers it may push, and its
//! summary. Shared by the push's planning ([`super::push`]) and its sending
//! ([`super::send`]).

use chrono::Duration;
use entity::email_push_state::Model as State;
use klaviyo::{BatchLimits, PollPolicy};
use serde::Serialize;

use super::payload::Payload;
use super::shown::Shown;

/// Pushes in a row Klaviyo may refuse a profile's row for the same content before the push
/// stops sending it: a refusal that repeats is about the row (a malformed id, a profile
/// Klaviyo locked), and sending it on every push only hides it in the counts. A changed list
/// is tried again.
pub const MAX_ROW_REFUSALS: i32 = 5;

/// How a push talks to Klaviyo beyond the client's own settings.
#[derive(Debug, Clone, Copy)]
pub struct PushOptions {
    /// Polling of import jobs.
    pub poll: PollPolicy,
    /// A profile Klaviyo did not have is asked about again after this long.
    pub lookup_again_after: Duration,
    /// Limits of one import job (Klaviyo's, or smaller in tests).
    pub job_limits: BatchLimits,
    /// Limits of one bulk event request.
    pub event_limits: BatchLimits,
}

impl PushOptions {
    /// Klaviyo's limits with `poll`.
    #[must_use]
    pub fn new(poll: PollPolicy) -> Self {
        Self {
            poll,
            lookup_again_after: Duration::days(1),
            job_limits: klaviyo::import::PROFILE_JOB_LIMITS,
            event_limits: klaviyo::events::EVENT_BULK_LIMITS,
        }
    }
}

/// What a push did, for the job's record and the merchant.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PushSummary {
    /// The list version pushed.
    pub list_version: String,
    /// Email lists in the version.
    pub lists: usize,
    /// Lists of anonymous shoppers, never pushed.
    pub anonymous: usize,
    /// Customers Klaviyo has no profile for (not created).
    pub not_in_klaviyo: usize,
    /// Customers whose list had not changed.
    pub unchanged: usize,
    /// Profiles whose properties were imported.
    pub imported: usize,
    /// Profiles whose row Klaviyo refused (retried by the next push, up to
    /// [`MAX_ROW_REFUSALS`] times per content).
    pub failed_rows: usize,
    /// Profiles not sent because Klaviyo refused their current content [`MAX_ROW_REFUSALS`]
    /// times; sent again once their list changes.
    pub skipped_refused: usize,
    /// "Recommendations Ready" events sent.
    pub events: usize,
    /// Profiles pushed in the holdout arm.
    pub holdout: usize,
    /// Bulk import jobs run.
    pub import_jobs: usize,
    /// Customers looked up in Klaviyo.
    pub looked_up: usize,
}

/// A customer whose push may be due.
#[derive(Debug)]
pub(super) struct Target {
    pub state: State,
    pub payload: Payload,
}

impl Target {
    pub(super) fn external_id(&self) -> &str {
        self.state.external_id.as_deref().unwrap_or_default()
    }

    /// What this target's email shows, for the impression log.
    pub(super) fn shown<'a>(&'a self, list_version: &'a str) -> Shown<'a> {
        Shown::profile_list(
            &self.payload,
            &self.state.profile_key,
            self.external_id().parse().ok(),
            list_version,
        )
    }

    /// Klaviyo refused this very content [`MAX_ROW_REFUSALS`] times in a row.
    pub(super) fn refused_too_often(&self) -> bool {
        self.state.failed_attempts >= MAX_ROW_REFUSALS
            && self.state.failed_hash.as_deref() == Some(self.payload.content_hash.as_str())
    }

    /// The content is in Klaviyo and, when it is announced, its event sent.
    pub(super) fn is_done(&self) -> bool {
        let hash = Some(self.payload.content_hash.as_str());
        self.state.content_hash.as_deref() == hash
            && (!self.payload.announce || self.state.event_hash.as_deref() == hash)
    }
}
