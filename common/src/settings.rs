//! Typed settings: defaults, then an optional TOML file, then `MEANDER_*` environment
//! variables (nested with `__`, e.g. `MEANDER_SERVER__PORT=9000`), plus the conventional
//! `DATABASE_URL`. Validated once at start; secrets never print.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A value is missing, of the wrong type, or an unknown key was given.
    #[error("configuration error: {0}")]
    Parse(String),
    /// A value parsed but is not acceptable.
    #[error("configuration error: `{setting}` {reason}")]
    Invalid {
        /// Dotted name of the setting (`database.url`).
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// All of Meander's settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    pub server: ServerSettings,
    /// Database and storage.
    pub database: DatabaseSettings,
    /// Background job workers.
    pub worker: WorkerSettings,
    /// The generated demo shop of the embedded mode.
    pub demo: DemoSettings,
    /// Shopify app credentials and API version.
    pub shopify: ShopifySettings,
    /// Storefront event ingestion (`POST /events`).
    pub events: EventsSettings,
    /// Klaviyo's API (email push).
    pub klaviyo: KlaviyoSettings,
    /// Logging.
    pub log: LogSettings,
}

/// HTTP server settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Interface to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Public base URL (for links in logs, Shopify redirects, and the web pixel's `endpoint`,
    /// `{public_url}/events`); defaults to `http://host:port`, which the pixel cannot use.
    pub public_url: Option<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Seconds to finish in-flight requests and jobs after SIGTERM/SIGINT.
    pub shutdown_timeout_secs: u64,
    /// Seconds between a serving model's checks for new pools, lists or catalog changes
    /// (stock, status, prices): how stale a served list can be after a webhook; at most
    /// [`MAX_MODEL_RECHECK_SECS`].
    pub model_recheck_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            public_url: None,
            body_limit_bytes: 1024 * 1024,
            shutdown_timeout_secs: 25,
            model_recheck_secs: 30,
        }
    }
}

/// The longest `server.model_recheck_secs`: the admin promises that a settings or rule
/// change reaches served lists within a minute, and serving notices it at its recheck.
pub const MAX_MODEL_RECHECK_SECS: u64 = 60;

/// Database settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…` or `sqlite://…`; when absent, SQLite at `data_dir/meander.db`.
    pub url: Option<SecretString>,
    /// Folder for the embedded SQLite database.
    pub data_dir: PathBuf,
    /// Pool size.
    pub max_connections: u32,
    /// Seconds to wait for a pooled connection.
    pub acquire_timeout_secs: u64,
    /// Milliseconds SQLite waits on a locked database before failing.
    pub sqlite_busy_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            data_dir: PathBuf::from("data"),
            max_connections: 8,
            acquire_timeout_secs: 10,
            sqlite_busy_timeout_ms: 5_000,
        }
    }
}

impl DatabaseSettings {
    /// True when no PostgreSQL URL is configured (the embedded default).
    #[must_use]
    pub fn is_sqlite(&self) -> bool {
        self.url
            .as_ref()
            .is_none_or(|url| url.expose_secret().starts_with("sqlite:"))
    }
}

/// Background worker settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Jobs handled concurrently per queue by one process.
    pub concurrency: usize,
    /// Milliseconds between polls of the queue when idle.
    pub poll_interval_ms: u64,
    /// Seconds running jobs get to finish after a shutdown signal.
    pub shutdown_timeout_secs: u64,
    /// Seconds between scheduler ticks (daily model rebuilds are queued from them).
    pub schedule_interval_secs: u64,
    /// Seconds between heartbeats written to `worker_heartbeats`.
    pub heartbeat_interval_secs: u64,
    /// A heartbeat older than this many seconds makes `/readyz` report the worker stale.
    pub heartbeat_stale_after_secs: u64,
    /// Milliseconds before the first retry of a failed job; each further retry waits twice
    /// as long (less up to a quarter at random).
    pub retry_backoff_base_ms: u64,
    /// Longest wait between two attempts of a failed job, in seconds.
    pub retry_backoff_max_secs: u64,
    /// Products per part of a full precompute: each part is a job of its own, so a large
    /// shop's precompute spreads over every worker process.
    pub precompute_part_products: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 2,
            poll_interval_ms: 500,
            shutdown_timeout_secs: 25,
            schedule_interval_secs: 600,
            heartbeat_interval_secs: 5,
            heartbeat_stale_after_secs: 60,
            retry_backoff_base_ms: 1_000,
            retry_backoff_max_secs: 300,
            precompute_part_products: 50_000,
        }
    }
}

/// Demo shop settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Load the demo shop on start; defaults to on for SQLite and off for PostgreSQL.
    pub enabled: Option<bool>,
    /// Seed of the generator: the same seed gives the same shop.
    pub seed: u64,
    /// Products to generate.
    pub products: usize,
    /// Distinct simulated shoppers.
    pub shoppers: usize,
    /// Simulated storefront sessions (spread over the last 60 days).
    pub sessions: usize,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            enabled: None,
            seed: 42,
            products: 3_200,
            shoppers: 1_500,
            sessions: 12_000,
        }
    }
}

/// Shopify app settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShopifySettings {
    /// The app's client id (API key) from the Partner Dashboard.
    pub api_key: String,
    /// The app's client secret; signs OAuth, webhooks, app proxy and session tokens.
    pub api_secret: Option<SecretString>,
    /// Admin API version used for every call.
    pub api_version: String,
    /// Access scopes requested at install.
    pub scopes: String,
    /// Base64 of 32 random bytes encrypting shop tokens at rest (XChaCha20-Poly1305);
    /// required when `api_secret` is set. Generate with `openssl rand -base64 32`.
    pub token_encryption_key: Option<SecretString>,
    /// Keys that encrypted tokens before `token_encryption_key` (comma-separated, base64 of
    /// 32 bytes each): stored tokens they sealed still open while `app rotate-token-key`
    /// seals them again with the current key (docs/OPERATIONS.md).
    pub retired_token_encryption_keys: Option<SecretString>,
    /// Where a shop's OAuth and Admin API endpoints live; `{shop}` is replaced by the
    /// `*.myshopify.com` domain. Tests point it at a local fake Shopify.
    pub shop_url_template: String,
    /// Seconds an OAuth `state` nonce stays valid between `/auth` and `/auth/callback`.
    pub oauth_state_ttl_secs: u64,
    /// Largest clock difference accepted on the `timestamp` of an OAuth callback, in seconds.
    pub oauth_timestamp_tolerance_secs: u64,
    /// Clock leeway, in seconds, when checking a session token's `exp` and `nbf`.
    pub session_token_leeway_secs: u64,
    /// App-proxy requests whose `timestamp` is further than this from now are refused.
    pub app_proxy_max_skew_secs: u64,
    /// Largest webhook body accepted, in bytes.
    pub webhook_body_limit_bytes: usize,
    /// Refresh an expiring access token this many seconds before it lapses.
    pub token_refresh_lead_secs: u64,
    /// Hours after `app/uninstalled` before the shop's data is deleted (unless reinstalled).
    pub uninstall_purge_delay_hours: u64,
    /// Timeout of calls to Shopify's token endpoint, in seconds.
    pub http_timeout_secs: u64,
}

impl Default for ShopifySettings {
    fn default() -> Self {
        Self {
            api_key: String::new(),
            api_secret: None,
            api_version: "2026-07".into(),
            scopes: "read_products,read_inventory,read_orders,write_pixels,read_customer_events,write_app_proxy"
                .into(),
            token_encryption_key: None,
            retired_token_encryption_keys: None,
            shop_url_template: "https://{shop}".into(),
            oauth_state_ttl_secs: 600,
            oauth_timestamp_tolerance_secs: 300,
            session_token_leeway_secs: 5,
            app_proxy_max_skew_secs: 90,
            webhook_body_limit_bytes: 2 * 1024 * 1024,
            token_refresh_lead_secs: 300,
            uninstall_purge_delay_hours: 48,
            http_timeout_secs: 10,
        }
    }
}

impl ShopifySettings {
    /// True when Shopify credentials are configured (otherwise only the demo runs).
    #[must_use]
    pub fn is_configured(&self) -> bool {
        self.api_secret.is_some()
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |setting, reason: &str| SettingsError::Invalid {
            setting,
            reason: reason.into(),
        };
        if !self.shop_url_template.contains("{shop}") {
            return Err(invalid(
                "shopify.shop_url_template",
                "must contain `{shop}`",
            ));
        }
        if self.webhook_body_limit_bytes == 0 {
            return Err(invalid(
                "shopify.webhook_body_limit_bytes",
                "must be at least 1",
            ));
        }
        if !self.is_configured() {
            return Ok(());
        }
        if self.api_key.trim().is_empty() {
            return Err(invalid(
                "shopify.api_key",
                "is required when shopify.api_secret is set",
            ));
        }
        if self.token_encryption_key.is_none() {
            return Err(invalid(
                "shopify.token_encryption_key",
                "is required when shopify.api_secret is set (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)",
            ));
        }
        Ok(())
    }
}

/// Storefront event ingestion settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsSettings {
    /// Sustained batches per second accepted from one client (shop and IP address).
    pub rate_per_second: u32,
    /// Batches a client may send in a burst above the sustained rate.
    pub burst: u32,
    /// Days a logged impression is kept; the nightly rollup removes older ones (its daily
    /// metrics stay).
    pub impression_retention_days: u32,
    /// Days a storefront event (view, click, add to cart, purchase) is kept; the nightly
    /// rollup removes older ones. At least [`TRAINING_HISTORY_DAYS`], which training reads.
    pub event_retention_days: u32,
    /// Days before an order in which a recommendation click or add-to-cart by its shopper
    /// counts the order as assisted (the discovery dashboard's assisted revenue).
    pub assisted_revenue_days: u32,
}

/// Days of behaviour the candidate models train on; events must be kept at least this long.
pub const TRAINING_HISTORY_DAYS: u32 = 90;

/// The longest assisted-revenue window: within the events training keeps, so every
/// engagement the window reaches is still stored.
pub const MAX_ASSISTED_REVENUE_DAYS: u32 = TRAINING_HISTORY_DAYS;

impl Default for EventsSettings {
    fn default() -> Self {
        Self {
            rate_per_second: 20,
            burst: 40,
            impression_retention_days: 180,
            event_retention_days: 365,
            assisted_revenue_days: 7,
        }
    }
}

/// How Meander reaches Klaviyo's API; credentials are per shop, in the database.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KlaviyoSettings {
    /// Scheme and host of the API, without `/api` (tests point it at a fake).
    pub base_url: String,
    /// The `revision` header (Klaviyo's dated API version).
    pub revision: String,
    /// Timeout of one HTTP request, in seconds.
    pub timeout_secs: u64,
    /// Wait between polls of a bulk profile import job, in milliseconds.
    pub poll_interval_ms: u64,
    /// Polls of one import job before the push gives up (and retries later).
    pub max_polls: u32,
    /// Klaviyo OAuth ("Connect with Klaviyo"); without it only private API keys connect.
    pub oauth: Option<KlaviyoOAuthSettings>,
}

/// The app's OAuth registration with Klaviyo. The endpoints default to Klaviyo's
/// (`klaviyo::oauth::{AUTHORIZE_URL, TOKEN_URL, REVOKE_URL}`); tests point them at a fake.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KlaviyoOAuthSettings {
    /// Client id from the app's settings in Klaviyo.
    pub client_id: String,
    /// Client secret.
    pub client_secret: SecretString,
    /// The redirect URL registered with the app: `{server.public_url}/klaviyo/callback`.
    pub redirect_url: String,
    /// Scopes asked for (default: what the push needs).
    #[serde(default = "default_klaviyo_scopes")]
    pub scopes: Vec<String>,
    /// Authorization page (default Klaviyo's).
    #[serde(default)]
    pub authorize_url: Option<String>,
    /// Token endpoint (default Klaviyo's).
    #[serde(default)]
    pub token_url: Option<String>,
    /// Revocation endpoint (default Klaviyo's).
    #[serde(default)]
    pub revoke_url: Option<String>,
    /// Minutes a started connect may take before its `state` lapses (default 10).
    #[serde(default = "default_connect_minutes")]
    pub state_ttl_minutes: u32,
    /// Seconds before expiry an access token is refreshed (default 300).
    #[serde(default = "default_refresh_lead_secs")]
    pub refresh_lead_secs: u32,
}

/// Every scope the push and its checks use.
fn default_klaviyo_scopes() -> Vec<String> {
    [
        "accounts:read",
        "profiles:read",
        "profiles:write",
        "lists:read",
        "lists:write",
        "events:write",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn default_connect_minutes() -> u32 {
    10
}

fn default_refresh_lead_secs() -> u32 {
    300
}

impl Default for KlaviyoSettings {
    fn default() -> Self {
        Self {
            base_url: "https://a.klaviyo.com".into(),
            revision: "2026-07-15".into(),
            timeout_secs: 30,
            poll_interval_ms: 5_000,
            max_polls: 120,
            oauth: None,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines (the default, for a terminal).
    #[default]
    Pretty,
    /// One JSON object per line (for log collectors).
    Json,
}

/// Logging settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// Output format.
    pub format: LogFormat,
    /// `tracing` filter directive, e.g. `info` or `app=debug,info`; `RUST_LOG` overrides it.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            filter: "info".into(),
        }
    }
}

impl Settings {
    /// Loads settings: defaults, then `file` (when given), then `DATABASE_URL`, then `MEANDER_*`.
    ///
    /// # Errors
    /// [`SettingsError`] naming the offending setting.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            if !path.is_file() {
                return Err(SettingsError::Parse(format!(
                    "config file `{}` does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let database_url = Env::raw()
            .only(&["DATABASE_URL"])
            .map(|_| "database.url".into());
        let meander = Env::prefixed("MEANDER_").ignore(&["config"]).split("__");
        Self::from_figment(&figment.merge(database_url).merge(meander))
    }

    /// Extracts and validates settings from a prepared figment (used by tests too).
    ///
    /// # Errors
    /// [`SettingsError`] naming the offending setting.
    pub fn from_figment(figment: &Figment) -> Result<Self, SettingsError> {
        let settings: Self = figment
            .extract()
            .map_err(|err| SettingsError::Parse(first_line(&err)))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |setting, reason: &str| SettingsError::Invalid {
            setting,
            reason: reason.into(),
        };
        if let Some(url) = &self.database.url {
            let url = url.expose_secret();
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|scheme| url.starts_with(scheme)) {
                return Err(invalid(
                    "database.url",
                    "must start with postgres://, postgresql:// or sqlite:",
                ));
            }
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        if self.server.model_recheck_secs > MAX_MODEL_RECHECK_SECS {
            return Err(invalid(
                "server.model_recheck_secs",
                &format!(
                    "must be at most {MAX_MODEL_RECHECK_SECS}: a merchant's change reaches \
                     served lists within this, and the admin promises a minute"
                ),
            ));
        }
        if self.server.body_limit_bytes == 0 {
            return Err(invalid("server.body_limit_bytes", "must be at least 1"));
        }
        if self.events.rate_per_second == 0 || self.events.burst == 0 {
            return Err(invalid(
                "events.rate_per_second",
                "and events.burst must be at least 1",
            ));
        }
        if self.events.impression_retention_days == 0 {
            return Err(invalid(
                "events.impression_retention_days",
                "must be at least 1",
            ));
        }
        if self.events.event_retention_days < TRAINING_HISTORY_DAYS {
            return Err(invalid(
                "events.event_retention_days",
                &format!(
                    "must be at least {TRAINING_HISTORY_DAYS}: training reads \
                     {TRAINING_HISTORY_DAYS} days of behaviour"
                ),
            ));
        }
        if !(1..=MAX_ASSISTED_REVENUE_DAYS).contains(&self.events.assisted_revenue_days) {
            return Err(invalid(
                "events.assisted_revenue_days",
                &format!("must be 1 to {MAX_ASSISTED_REVENUE_DAYS}"),
            ));
        }
        if self.worker.schedule_interval_secs == 0 {
            return Err(invalid(
                "worker.schedule_interval_secs",
                "must be at least 1",
            ));
        }
        if self.worker.poll_interval_ms == 0 {
            return Err(invalid("worker.poll_interval_ms", "must be at least 1"));
        }
        if self.worker.concurrency == 0 {
            return Err(invalid("worker.concurrency", "must be at least 1"));
        }
        if self.worker.retry_backoff_base_ms == 0 {
            return Err(invalid(
                "worker.retry_backoff_base_ms",
                "must be at least 1",
            ));
        }
        if self.worker.retry_backoff_max_secs == 0 {
            return Err(invalid(
                "worker.retry_backoff_max_secs",
                "must be at least 1",
            ));
        }
        if self.worker.precompute_part_products == 0 {
            return Err(invalid(
                "worker.precompute_part_products",
                "must be at least 1",
            ));
        }
        if self.worker.heartbeat_interval_secs == 0
            || self.worker.heartbeat_stale_after_secs <= self.worker.heartbeat_interval_secs
        {
            return Err(invalid(
                "worker.heartbeat_stale_after_secs",
                "must be greater than worker.heartbeat_interval_secs (which must be at least 1)",
            ));
        }
        self.shopify.validate()?;
        if tracing_subscriber::EnvFilter::try_new(&self.log.filter).is_err() {
            return Err(invalid(
                "log.filter",
                "is not a valid tracing filter directive",
            ));
        }
        Ok(())
    }

    /// Whether the demo shop should be loaded.
    #[must_use]
    pub fn demo_enabled(&self) -> bool {
        self.demo
            .enabled
            .unwrap_or_else(|| self.database.is_sqlite())
    }
}

/// figment errors can chain several; one clear line naming the setting is what an operator
/// needs: "`database.max_connections`: invalid type … (from `MEANDER_` environment variable(s))".
fn first_line(err: &figment::Error) -> String {
    let setting = err.path.join(".").to_lowercase();
    let source = err
        .metadata
        .as_ref()
        .map(|meta| format!(" (from {})", meta.name))
        .unwrap_or_default();
    if setting.is_empty() {
        format!("{}{source}", err.kind)
    } else {
        format!("`{setting}`: {}{source}", err.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::Serialized;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let mut figment = Figment::new();
        for (key, value) in pairs {
            // Numbers as numbers, as a TOML file or an environment variable would give them.
            figment = match value.parse::<u64>() {
                Ok(number) => figment.merge(Serialized::default(key, number)),
                Err(_) => figment.merge(Serialized::default(key, value)),
            };
        }
        Settings::from_figment(&figment)
    }

    #[test]
    fn defaults_are_valid_and_embedded() {
        let settings = with(&[]).unwrap();
        assert!(settings.database.is_sqlite());
        assert!(settings.demo_enabled());
        assert_eq!(settings.server.port, 8080);
    }

    #[test]
    fn postgres_url_turns_the_demo_off_by_default() {
        let settings = with(&[("database.url", "postgres://u@localhost/db")]).unwrap();
        assert!(!settings.database.is_sqlite());
        assert!(!settings.demo_enabled());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = with(&[("server.prot", "1")]).unwrap_err().to_string();
        assert!(err.contains("prot"), "{err}");
    }

    #[test]
    fn malformed_values_name_the_setting() {
        let err = with(&[("server.port", "eighty")]).unwrap_err().to_string();
        assert!(err.contains("server.port") || err.contains("port"), "{err}");
        let err = with(&[("database.url", "mysql://x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("database.url"), "{err}");
    }

    #[test]
    fn shopify_credentials_require_an_encryption_key() {
        let err = with(&[("shopify.api_key", "k"), ("shopify.api_secret", "s")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("shopify.token_encryption_key"), "{err}");
        let ok = with(&[
            ("shopify.api_key", "k"),
            ("shopify.api_secret", "s"),
            (
                "shopify.token_encryption_key",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            ),
        ]);
        assert!(ok.is_ok());
        let err = with(&[("shopify.shop_url_template", "https://example.com")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("shop_url_template"), "{err}");
    }

    #[test]
    fn a_zero_retry_backoff_or_retention_is_refused() {
        for setting in [
            "worker.retry_backoff_base_ms",
            "worker.retry_backoff_max_secs",
            "worker.precompute_part_products",
            "events.impression_retention_days",
            "events.event_retention_days",
        ] {
            let err = with(&[(setting, "0")]).unwrap_err().to_string();
            assert!(
                err.contains(setting) && err.contains("must be at least"),
                "{err}"
            );
        }
    }

    #[test]
    fn the_assisted_revenue_window_stays_within_the_events_kept() {
        for days in ["0", "91"] {
            let err = with(&[("events.assisted_revenue_days", days)])
                .unwrap_err()
                .to_string();
            assert!(err.contains("must be 1 to 90"), "{err}");
        }
        let set = with(&[("events.assisted_revenue_days", "30")]).unwrap();
        assert_eq!(set.events.assisted_revenue_days, 30);
    }

    #[test]
    fn events_are_kept_at_least_as_long_as_training_reads_them() {
        let err = with(&[("events.event_retention_days", "89")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("training reads 90 days"), "{err}");
        let kept = with(&[("events.event_retention_days", "90")]).unwrap();
        assert_eq!(kept.events.event_retention_days, 90);
    }

    #[test]
    fn a_model_recheck_slower_than_the_admins_minute_is_refused() {
        let err = with(&[("server.model_recheck_secs", "61")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("server.model_recheck_secs") && err.contains("at most 60"),
            "{err}"
        );
        let set = with(&[("server.model_recheck_secs", "60")]).unwrap();
        assert_eq!(set.server.model_recheck_secs, 60);
    }

    #[test]
    fn secrets_do_not_print() {
        let settings = with(&[
            ("database.url", "postgres://user:hunter2@localhost/db"),
            ("shopify.api_key", "client-id"),
            ("shopify.api_secret", "shpss_topsecret"),
            (
                "shopify.token_encryption_key",
                "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=",
            ),
        ])
        .unwrap();
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(!shown.contains("a2V5a2V5"), "{shown}");
    }
}
