//! Klaviyo's side of the wire: a REST API client for the calls Meander makes, within
//! Klaviyo's rate limits, OAuth for multi-merchant installs, and (feature `fake`) a local
//! fake Klaviyo that checks every request against Klaviyo's own OpenAPI schemas.
//!
//! # Endpoints
//!
//! | call | endpoint | limit (burst, steady) | scopes |
//! |---|---|---|---|
//! | [`Client::account`] | `GET /api/accounts` | 1/s, 15/m | `accounts:read` |
//! | [`Client::profiles_page`] | `GET /api/profiles` | 75/s, 750/m | `profiles:read` |
//! | [`Client::create_profile_import_job`] | `POST /api/profile-bulk-import-jobs` | 10/s, 150/m | `lists:write profiles:write` |
//! | [`Client::profile_import_job`] | `GET /api/profile-bulk-import-jobs/{job_id}` | 10/s, 150/m | `lists:read profiles:read` |
//! | [`Client::import_errors_page`] | `GET /api/profile-bulk-import-jobs/{id}/import-errors` | 10/s, 150/m | `profiles:read` |
//! | [`Client::create_event`] | `POST /api/events` | 350/s, 3500/m | `events:write` |
//! | [`Client::create_event_bulk_job`] | `POST /api/event-bulk-create-jobs` | 10/s, 150/m | `events:write` |
//!
//! Every request carries `revision` (default `2026-07-15`, from [`Config`]),
//! `Accept: application/vnd.api+json`, `Content-Type: application/vnd.api+json` on bodies,
//! and `Authorization: Klaviyo-API-Key {key}` or `Bearer {token}`. Paths are the spec's,
//! without a trailing slash.
//!
//! # Limits
//!
//! - Rate limits are per account (per account and app for OAuth apps), in fixed windows of
//!   one second and one minute; 429 carries `Retry-After`. [`InProcessLimiter`] paces
//!   calls below both windows; [`RateLimiter`] is the seam for a shared limiter.
//! - Bulk profile import: ≤ 10,000 profiles, ≤ 5 MB per job, ≤ 100 KB per profile
//!   ([`ProfileImportJob::split`]). Job statuses are `queued`, `processing`, `complete`,
//!   `cancelled`.
//! - Bulk events: ≤ 1,000 events, ≤ 5 MB per request, strings ≤ 100 KB
//!   ([`events::split_event_groups`]). Events dedupe on profile + metric + `unique_id`.
//!
//! # Sources
//!
//! `openapi/stable.json` of github.com/klaviyo/openapi at commit f0a30ba (revision
//! 2026-07-15): paths, bodies, `x-klaviyo-ratelimit`, `x-klaviyo-scopes`, limits in the
//! operation descriptions. developers.klaviyo.com: "Rate limits, status codes, and errors"
//! (fixed windows, tiers), "Make API calls using OAuth" and "Troubleshoot OAuth errors"
//! (endpoints, Basic client auth, PKCE). Where they differ from the team's platform notes,
//! these sources were followed and the difference is noted where it matters.

mod accounts;
pub mod batch;
mod client;
mod config;
mod endpoint;
mod error;
pub mod events;
#[cfg(feature = "fake")]
pub mod fake;
pub mod import;
mod jsonapi;
pub mod limiter;
pub mod oauth;
pub mod profiles;

pub use accounts::Account;
pub use batch::{BatchLimits, SplitError};
pub use client::{Client, JSON_API};
pub use config::{Config, Credential, DEFAULT_BASE_URL, DEFAULT_REVISION, RetryPolicy};
pub use endpoint::{Endpoint, RateLimit};
pub use error::{ApiError, BoxError, Error, ErrorSource};
pub use events::{Event, EventData, ProfileEvents, ProfileRef};
pub use import::{ImportError, ImportJob, JobStatus, PollPolicy, ProfileImportJob, ProfileUpsert};
pub use jsonapi::Page;
pub use limiter::{InProcessLimiter, RateLimiter, Unlimited};
pub use oauth::{OAuthClient, OAuthConfig, OAuthError, Tokens};
pub use profiles::{ProfileFilter, ProfileQuery, ProfileSummary};
