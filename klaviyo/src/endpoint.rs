//! The Klaviyo endpoints this crate calls, with their documented rate limits and scopes.
//!
//! Limits and scopes are copied from each operation's `x-klaviyo-ratelimit` and
//! `x-klaviyo-scopes` in `openapi/stable.json` (revision 2026-07-15). Klaviyo counts them per
//! account (per account *and* app for OAuth apps) in two fixed windows: one second ("burst")
//! and one minute ("steady"); either one being full gives HTTP 429.

/// One Klaviyo operation, the unit Klaviyo rate-limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Endpoint {
    /// `GET /api/accounts` (`get_accounts`).
    GetAccounts,
    /// `GET /api/profiles` (`get_profiles`).
    GetProfiles,
    /// `POST /api/profile-bulk-import-jobs` (`bulk_import_profiles`).
    CreateProfileImportJob,
    /// `GET /api/profile-bulk-import-jobs/{job_id}` (`get_bulk_import_profiles_job`).
    GetProfileImportJob,
    /// `GET /api/profile-bulk-import-jobs/{id}/import-errors`
    /// (`get_errors_for_bulk_import_profiles_job`).
    GetProfileImportErrors,
    /// `POST /api/events` (`create_event`).
    CreateEvent,
    /// `POST /api/event-bulk-create-jobs` (`bulk_create_events`).
    CreateEventBulkJob,
}

/// A documented rate limit: requests per fixed one-second and one-minute window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in one second ("burst").
    pub burst_per_second: u32,
    /// Requests allowed in one minute ("steady").
    pub steady_per_minute: u32,
}

impl Endpoint {
    /// Every endpoint, for tables and tests.
    pub const ALL: [Self; 7] = [
        Self::GetAccounts,
        Self::GetProfiles,
        Self::CreateProfileImportJob,
        Self::GetProfileImportJob,
        Self::GetProfileImportErrors,
        Self::CreateEvent,
        Self::CreateEventBulkJob,
    ];

    /// Klaviyo's `operationId`: a stable key for logs and shared limiters.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::GetAccounts => "get_accounts",
            Self::GetProfiles => "get_profiles",
            Self::CreateProfileImportJob => "bulk_import_profiles",
            Self::GetProfileImportJob => "get_bulk_import_profiles_job",
            Self::GetProfileImportErrors => "get_errors_for_bulk_import_profiles_job",
            Self::CreateEvent => "create_event",
            Self::CreateEventBulkJob => "bulk_create_events",
        }
    }

    /// The limit from the spec's `x-klaviyo-ratelimit`.
    ///
    /// `get_profiles` is 75/s and 750/m here although the rate-limit guide's "L" tier says
    /// 700/m: the per-endpoint reference wins. (It drops to 10/s, 150/m with
    /// `additional-fields[profile]=predictive_analytics`, which this crate never asks for.)
    #[must_use]
    pub fn rate_limit(self) -> RateLimit {
        let (burst_per_second, steady_per_minute) = match self {
            Self::GetAccounts => (1, 15),
            Self::GetProfiles => (75, 750),
            Self::CreateProfileImportJob
            | Self::GetProfileImportJob
            | Self::GetProfileImportErrors
            | Self::CreateEventBulkJob => (10, 150),
            Self::CreateEvent => (350, 3_500),
        };
        RateLimit {
            burst_per_second,
            steady_per_minute,
        }
    }

    /// The scopes an API key or OAuth token needs (`x-klaviyo-scopes`).
    #[must_use]
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::GetAccounts => &["accounts:read"],
            Self::GetProfiles => &["profiles:read"],
            Self::CreateProfileImportJob => &["lists:write", "profiles:write"],
            Self::GetProfileImportJob => &["lists:read", "profiles:read"],
            Self::GetProfileImportErrors => &["profiles:read"],
            Self::CreateEvent | Self::CreateEventBulkJob => &["events:write"],
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
