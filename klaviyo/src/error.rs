//! What can go wrong talking to Klaviyo, and Klaviyo's own error objects.

use serde::Deserialize;

/// A boxed error that keeps its cause chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One entry of Klaviyo's `{"errors": [...]}` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ApiError {
    /// Klaviyo's id of this error occurrence (quote it to Klaviyo support).
    pub id: String,
    /// Machine-readable code (`invalid`, `not_authenticated`, `permission_denied`, …).
    pub code: String,
    /// Short summary.
    pub title: String,
    /// What was wrong with this request.
    pub detail: String,
    /// Where in the request the problem is.
    pub source: Option<ErrorSource>,
}

/// `errors[].source`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ErrorSource {
    /// JSON pointer into the request body (`/data/attributes/email`).
    pub pointer: Option<String>,
    /// Query parameter at fault.
    pub parameter: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<ApiError>,
}

/// Why a Klaviyo call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// HTTP 401: the API key or access token is missing, invalid or revoked.
    #[error("Klaviyo refused the credential (401){}", first_detail(.errors))]
    Unauthorized {
        /// Klaviyo's error objects.
        errors: Vec<ApiError>,
    },
    /// HTTP 403: the credential is valid but lacks a scope this endpoint needs.
    #[error("the Klaviyo credential lacks a scope {endpoint} needs (403){}", first_detail(.errors))]
    Forbidden {
        /// The endpoint refused.
        endpoint: crate::Endpoint,
        /// Klaviyo's error objects.
        errors: Vec<ApiError>,
    },
    /// Still HTTP 429 after every attempt.
    #[error("Klaviyo kept throttling {endpoint} (429) after {attempts} attempts")]
    RateLimited {
        /// The endpoint throttled.
        endpoint: crate::Endpoint,
        /// Attempts made.
        attempts: u32,
    },
    /// Klaviyo rejected the request (400, 404, 409, 413, 415, 422, …); retrying the same
    /// request will not help.
    #[error("Klaviyo rejected the request to {endpoint} ({status}){}", first_detail(.errors))]
    Rejected {
        /// The endpoint called.
        endpoint: crate::Endpoint,
        /// HTTP status.
        status: u16,
        /// Klaviyo's error objects, with the pointer into the body at fault.
        errors: Vec<ApiError>,
    },
    /// Klaviyo is down or unreachable: 500, or 502/503/504 and connection failures after
    /// every attempt.
    #[error("Klaviyo unavailable for {endpoint} after {attempts} attempts{}", status.map(|s| format!(" (last HTTP {s})")).unwrap_or_default())]
    Unavailable {
        /// The endpoint called.
        endpoint: crate::Endpoint,
        /// Attempts made.
        attempts: u32,
        /// Last HTTP status, when Klaviyo answered at all.
        status: Option<u16>,
        /// The last transport error, when the request did not complete.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// A 2xx answer that is not the documented shape.
    #[error("unexpected answer from Klaviyo's {endpoint}")]
    Decode {
        /// The endpoint called.
        endpoint: crate::Endpoint,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The rate limiter failed (a shared limiter's store is unreachable).
    #[error("rate limiter failed")]
    Limiter(#[source] BoxError),
    /// The client could not be built or a request could not be encoded.
    #[error("Klaviyo client set-up: {0}")]
    Setup(String),
    /// A bulk import job was still running after the polls allowed.
    #[error("profile import job {id} still {status} after {polls} polls")]
    JobNotFinished {
        /// Job id.
        id: String,
        /// Its last status.
        status: String,
        /// Polls made.
        polls: u32,
    },
}

impl Error {
    /// Retrying later may help (throttling, Klaviyo down, limiter store down).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Unavailable { .. }
                | Self::Limiter(_)
                | Self::JobNotFinished { .. }
        )
    }

    /// Klaviyo's error objects, when it sent some.
    #[must_use]
    pub fn api_errors(&self) -> &[ApiError] {
        match self {
            Self::Unauthorized { errors }
            | Self::Forbidden { errors, .. }
            | Self::Rejected { errors, .. } => errors,
            _ => &[],
        }
    }
}

fn first_detail(errors: &[ApiError]) -> String {
    errors
        .first()
        .map(|e| format!(": {} {}", e.code, e.detail))
        .unwrap_or_default()
}
