//! How a [`crate::Client`] reaches Klaviyo: base URL, API revision, credential, retries.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

/// Klaviyo's API host.
pub const DEFAULT_BASE_URL: &str = "https://a.klaviyo.com";
/// The API revision this crate's types follow (the `info.version` of the OpenAPI file).
pub const DEFAULT_REVISION: &str = "2026-07-15";

/// Settings of one client; every field has a default but the credential.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Scheme and host, without `/api` (default `https://a.klaviyo.com`).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Value of the `revision` header (default `2026-07-15`).
    #[serde(default = "default_revision")]
    pub revision: String,
    /// Private API key or OAuth access token.
    pub credential: Credential,
    /// Timeout of one HTTP request, in seconds (default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Retries of throttled and failed requests.
    #[serde(default)]
    pub retry: RetryPolicy,
}

impl Config {
    /// Defaults with `credential`.
    #[must_use]
    pub fn new(credential: Credential) -> Self {
        Self {
            base_url: default_base_url(),
            revision: default_revision(),
            credential,
            timeout_secs: default_timeout_secs(),
            retry: RetryPolicy::default(),
        }
    }

    /// The request timeout.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("revision", &self.revision)
            .field("credential", &self.credential)
            .field("timeout_secs", &self.timeout_secs)
            .field("retry", &self.retry)
            .finish()
    }
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

fn default_revision() -> String {
    DEFAULT_REVISION.to_owned()
}

fn default_timeout_secs() -> u64 {
    30
}

/// Who the client is to Klaviyo.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// A private API key (`pk_…`), sent as `Authorization: Klaviyo-API-Key {key}`.
    ApiKey(SecretString),
    /// An OAuth access token, sent as `Authorization: Bearer {token}`.
    OauthAccessToken(SecretString),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ApiKey(_) => f.write_str("ApiKey([redacted])"),
            Self::OauthAccessToken(_) => f.write_str("OauthAccessToken([redacted])"),
        }
    }
}

/// Retry budget and backoff of one call.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// First backoff in milliseconds; doubles on each retry, then jittered.
    pub base_delay_ms: u64,
    /// Longest backoff in milliseconds.
    pub max_delay_ms: u64,
    /// Longest `Retry-After` obeyed, in seconds; a longer one is cut to this.
    pub max_retry_after_secs: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay_ms: 500,
            max_delay_ms: 30_000,
            // The steady window is one minute: a full one is the longest honest wait.
            max_retry_after_secs: 60,
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry number `retry` (1 for the first retry): exponential,
    /// capped, with "equal jitter" (half fixed, half random) so many workers that failed
    /// together do not come back together.
    #[must_use]
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2_u64.saturating_pow(retry.saturating_sub(1));
        let capped = self
            .base_delay_ms
            .saturating_mul(factor)
            .min(self.max_delay_ms);
        let half = capped / 2;
        let jitter = if half == 0 {
            0
        } else {
            rand::random_range(0..=half)
        };
        Duration::from_millis(half + jitter)
    }

    /// How long to wait after a 429 that said `retry_after`.
    #[must_use]
    pub fn after_throttle(&self, retry_after: Option<Duration>, retry: u32) -> Duration {
        let cap = Duration::from_secs(self.max_retry_after_secs);
        retry_after.map_or_else(|| self.backoff(retry), |wait| wait.min(cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay_ms: 100,
            max_delay_ms: 1_000,
            max_retry_after_secs: 60,
        };
        for retry in 1..10 {
            let wait = policy.backoff(retry);
            let ceiling = (100_u64 << (retry - 1)).min(1_000);
            assert!(wait >= Duration::from_millis(ceiling / 2), "{wait:?}");
            assert!(wait <= Duration::from_millis(ceiling), "{wait:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let config = Config::new(Credential::ApiKey("pk_secret".into()));
        assert!(!format!("{config:?}").contains("pk_secret"));
    }

    #[test]
    fn config_reads_with_defaults() {
        let config: Config = serde_json::from_str(r#"{"credential": {"api_key": "pk_x"}}"#)
            .unwrap_or_else(|e| {
                panic!("{e}");
            });
        assert_eq!(config.revision, DEFAULT_REVISION);
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
    }
}
