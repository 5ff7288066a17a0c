//! Email settings: how Meander reaches Klaviyo (process-wide, from `klaviyo.*`) and each
//! shop's email policy (holdout, list length), kept on its Klaviyo account.

use std::time::Duration;

use common::settings::{KlaviyoOAuthSettings, KlaviyoSettings};
use entity::klaviyo_account;
use klaviyo::oauth::{AUTHORIZE_URL, REVOKE_URL, TOKEN_URL};
use klaviyo::{Config, Credential, OAuthConfig, PollPolicy, RetryPolicy};
use serde::{Deserialize, Serialize};

/// How Meander reaches Klaviyo: base URL, revision, retries and job polling.
#[derive(Debug, Clone)]
pub struct KlaviyoApi {
    /// Scheme and host.
    pub base_url: String,
    /// `revision` header.
    pub revision: String,
    /// Timeout of one request, in seconds.
    pub timeout_secs: u64,
    /// Retries of one call.
    pub retry: RetryPolicy,
    /// Polling of import jobs.
    pub poll: PollPolicy,
    /// The app's Klaviyo OAuth registration; `None`: private API keys only.
    pub oauth: Option<OAuthApp>,
}

/// The app's Klaviyo OAuth registration and how Meander paces it.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// Client, endpoints, redirect URL and scopes.
    pub config: OAuthConfig,
    /// How long a started connect may take.
    pub state_ttl: chrono::Duration,
    /// How long before expiry an access token is refreshed.
    pub refresh_lead: chrono::Duration,
}

impl OAuthApp {
    /// From the `klaviyo.oauth` settings, with Klaviyo's endpoints where none are set.
    #[must_use]
    pub fn from_settings(settings: &KlaviyoOAuthSettings) -> Self {
        let or = |url: &Option<String>, default: &str| url.clone().unwrap_or(default.into());
        Self {
            config: OAuthConfig {
                client_id: settings.client_id.clone(),
                client_secret: settings.client_secret.clone(),
                redirect_url: settings.redirect_url.clone(),
                scopes: settings.scopes.clone(),
                authorize_url: or(&settings.authorize_url, AUTHORIZE_URL),
                token_url: or(&settings.token_url, TOKEN_URL),
                revoke_url: or(&settings.revoke_url, REVOKE_URL),
            },
            state_ttl: chrono::Duration::minutes(settings.state_ttl_minutes.into()),
            refresh_lead: chrono::Duration::seconds(settings.refresh_lead_secs.into()),
        }
    }
}

impl KlaviyoApi {
    /// From the `klaviyo` settings, with the client's default retries.
    #[must_use]
    pub fn from_settings(settings: &KlaviyoSettings) -> Self {
        Self {
            base_url: settings.base_url.clone(),
            revision: settings.revision.clone(),
            timeout_secs: settings.timeout_secs,
            retry: RetryPolicy::default(),
            poll: PollPolicy {
                interval: Duration::from_millis(settings.poll_interval_ms),
                max_polls: settings.max_polls,
            },
            oauth: settings.oauth.as_ref().map(OAuthApp::from_settings),
        }
    }

    /// A client config for `credential`.
    #[must_use]
    pub fn config(&self, credential: Credential) -> Config {
        let mut config = Config::new(credential);
        config.base_url.clone_from(&self.base_url);
        config.revision.clone_from(&self.revision);
        config.timeout_secs = self.timeout_secs;
        config.retry = self.retry;
        config
    }
}

/// What the holdout arm receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldoutMode {
    /// The same candidates ordered by relevance alone (no diversification).
    #[default]
    RelevanceOnly,
    /// An empty list (templates hide the block) and no event.
    NoBlock,
}

/// A shop's email settings, kept in `klaviyo_accounts.settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// Share of profiles in the holdout, 0 to 1 (default 0.1).
    pub holdout_share: f64,
    /// What the holdout receives (default relevance-only).
    pub holdout_mode: HoldoutMode,
    /// Items pushed per profile (default 6, at most 20).
    pub list_len: usize,
    /// Salt of the holdout split; a new salt draws new arms.
    pub holdout_salt: String,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            holdout_share: 0.1,
            holdout_mode: HoldoutMode::RelevanceOnly,
            list_len: 6,
            holdout_salt: "meander-email-v1".into(),
        }
    }
}

impl EmailSettings {
    /// The settings stored on `account`; defaults for a missing or unreadable value.
    #[must_use]
    pub fn of(account: &klaviyo_account::Model) -> Self {
        account
            .settings
            .clone()
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default()
    }

    /// The list length within 1 to 20 (Klaviyo templates show a handful).
    #[must_use]
    pub fn items(&self) -> usize {
        self.list_len.clamp(1, 20)
    }
}
