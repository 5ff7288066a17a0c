//! A fake Klaviyo for tests (feature `fake`): a local HTTP server on `127.0.0.1:{port}`
//! that plays the endpoints [`crate::Client`] calls and Klaviyo's OAuth endpoints.
//!
//! Like Klaviyo it refuses what Klaviyo would refuse, checked in this order: an unknown path
//! (404), a missing or unknown `revision` (400), a missing or bad credential (401), a
//! credential without the endpoint's scopes (403), a full rate window (429 with
//! `Retry-After`), a body that is not `application/vnd.api+json` (415), over the size or
//! count limits (413/400), or that does not validate against Klaviyo's OpenAPI schema for
//! the endpoint (400 with `source.pointer`). Success bodies are checked against the
//! response schemas before they leave, so the fake cannot drift from Klaviyo's shapes.
//!
//! Test controls: API keys and their scopes, a down switch (503, token endpoint included),
//! slow refresh grants and their count, lapsed access tokens, failures for the next N
//! requests, per-endpoint rate windows, an email or external id that fails in imports (one
//! import error), jobs that stay `processing` for N polls, and a record of every request.

mod api;
mod events;
mod gate;
mod jobs;
mod oauth;
mod paging;
mod profiles;
mod reply;
mod schema;
mod store;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};

use crate::endpoint::Endpoint;
use crate::oauth::OAuthConfig;
use crate::{Config, Credential, RetryPolicy};

pub use store::{FakeEvent, FakeProfile, RecordedRequest};

/// The API key every fake accepts, with every scope.
pub const API_KEY: &str = "pk_fake_0123456789abcdef";
/// The OAuth app registered with every fake.
pub const CLIENT_ID: &str = "fake-client-id";
/// Its secret.
pub const CLIENT_SECRET: &str = "fake-client-secret";
/// Its registered redirect URL.
pub const REDIRECT_URL: &str = "https://meander.test/klaviyo/callback";
/// The fake account's id.
pub const ACCOUNT_ID: &str = "FaKe01";
/// Every scope the endpoints here need.
pub const ALL_SCOPES: [&str; 6] = [
    "accounts:read",
    "profiles:read",
    "profiles:write",
    "lists:read",
    "lists:write",
    "events:write",
];

pub(crate) struct Inner {
    pub state: Mutex<store::State>,
    pub schemas: schema::Schemas,
    pub revision: String,
    pub started: Instant,
    pub address: String,
}

impl Inner {
    pub(crate) fn state(&self) -> MutexGuard<'_, store::State> {
        // A test that panicked while holding the lock leaves usable data behind.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake Klaviyo; stops when [`FakeKlaviyo::stop`] is called or the runtime ends.
#[derive(Clone)]
pub struct FakeKlaviyo {
    inner: Arc<Inner>,
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    handle: ServerHandle,
}

impl FakeKlaviyo {
    /// Starts a fake that expects revision [`crate::DEFAULT_REVISION`].
    ///
    /// # Panics
    /// When no local port can be bound or the bundled schemas do not compile.
    #[must_use]
    pub fn start() -> Self {
        Self::start_with_revision(crate::DEFAULT_REVISION)
    }

    /// Starts a fake that accepts only `revision` in the `revision` header.
    ///
    /// # Panics
    /// When no local port can be bound or the bundled schemas do not compile.
    #[expect(clippy::expect_used, reason = "test support: fail loudly")]
    #[must_use]
    pub fn start_with_revision(revision: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake Klaviyo");
        let port = listener.local_addr().expect("local address").port();
        let address = format!("http://127.0.0.1:{port}");
        let inner = Arc::new(Inner {
            state: Mutex::new(store::State::new()),
            schemas: schema::Schemas::load().expect("Klaviyo schemas compile"),
            revision: revision.to_owned(),
            started: Instant::now(),
            address: address.clone(),
        });
        let data = web::Data::from(Arc::clone(&inner));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                .route("/oauth/authorize", web::get().to(oauth::authorize))
                .route("/oauth/token", web::post().to(oauth::token))
                .route("/oauth/revoke", web::post().to(oauth::revoke))
                .default_service(web::to(api::handle))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            inner,
            address,
            handle,
        }
    }

    /// A client config for this fake with [`API_KEY`] and quick retries.
    #[must_use]
    pub fn config(&self) -> Config {
        self.config_with(Credential::ApiKey(API_KEY.into()))
    }

    /// A client config for this fake with `credential` and quick retries (tests should
    /// not wait half a second per retry).
    #[must_use]
    pub fn config_with(&self, credential: Credential) -> Config {
        let mut config = Config::new(credential);
        config.base_url.clone_from(&self.address);
        config.revision.clone_from(&self.inner.revision);
        config.retry = RetryPolicy {
            max_attempts: 4,
            base_delay_ms: 20,
            max_delay_ms: 200,
            max_retry_after_secs: 5,
        };
        config
    }

    /// An OAuth config for the fake's registered app, with every scope.
    #[must_use]
    pub fn oauth_config(&self) -> OAuthConfig {
        OAuthConfig {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_url: REDIRECT_URL.into(),
            scopes: ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            authorize_url: format!("{}/oauth/authorize", self.address),
            token_url: format!("{}/oauth/token", self.address),
            revoke_url: format!("{}/oauth/revoke", self.address),
        }
    }

    /// Accepts `key` with `scopes` from now on.
    pub fn add_api_key(&self, key: &str, scopes: &[&str]) {
        let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.inner.state().api_keys.insert(key.to_owned(), scopes);
    }

    /// Refuses `key` from now on (as after the merchant deletes it).
    pub fn revoke_api_key(&self, key: &str) {
        self.inner.state().api_keys.remove(key);
    }

    /// While `down`, every API request answers 503.
    pub fn set_down(&self, down: bool) {
        self.inner.state().down = down;
    }

    /// The next `count` API requests answer `status` (502, 503, 504, 500…).
    pub fn fail_next(&self, count: usize, status: u16) {
        let mut state = self.inner.state();
        state.fail_next = count;
        state.fail_status = status;
    }

    /// Admits at most `count` requests to `endpoint` per fixed window of `per` (add one for
    /// each window, e.g. 1 s and 60 s); the next one gets 429 with `Retry-After`.
    pub fn limit_rate(&self, endpoint: Endpoint, count: u32, per: Duration) {
        self.inner.state().limits.add(endpoint, count, per);
    }

    /// Rows with this email fail in bulk imports (one import error each).
    pub fn reject_email_in_imports(&self, email: &str) {
        self.inner.state().poisoned_emails.insert(email.to_owned());
    }

    /// Rows with this external id fail in bulk imports (one import error each).
    pub fn reject_external_id_in_imports(&self, external_id: &str) {
        self.inner
            .state()
            .poisoned_external_ids
            .insert(external_id.to_owned());
    }

    /// New jobs answer `processing` for `polls` polls before `complete`.
    pub fn keep_jobs_processing(&self, polls: u32) {
        self.inner.state().processing_polls = polls;
    }

    /// Adds profiles Klaviyo already has (email, external id).
    pub fn add_profiles<'a>(
        &self,
        profiles: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
    ) {
        let mut state = self.inner.state();
        for (email, external_id) in profiles {
            state.upsert_profile(email, None, external_id, None);
        }
    }

    /// The profiles held now, oldest first.
    #[must_use]
    pub fn profiles(&self) -> Vec<FakeProfile> {
        self.inner.state().profiles.clone()
    }

    /// The events recorded (after deduplication).
    #[must_use]
    pub fn events(&self) -> Vec<FakeEvent> {
        self.inner.state().events.clone()
    }

    /// Every request received, in order, with the status answered.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.state().requests.clone()
    }

    /// The external ids of every row of the profile import jobs accepted, sorted: a
    /// profile imported twice appears twice.
    #[must_use]
    pub fn imported_external_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .requests()
            .iter()
            .filter(|r| r.endpoint == Some(Endpoint::CreateProfileImportJob) && r.status == 202)
            .flat_map(|r| {
                let body = r.json();
                body["data"]["attributes"]["profiles"]["data"]
                    .as_array()
                    .map(|rows| {
                        rows.iter()
                            .filter_map(|row| row["attributes"]["external_id"].as_str())
                            .map(str::to_owned)
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
            .collect();
        ids.sort();
        ids
    }

    /// Requests to `endpoint` answered 429.
    #[must_use]
    pub fn throttled(&self, endpoint: Endpoint) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.endpoint == Some(endpoint) && r.status == 429)
            .count()
    }

    /// The most requests to `endpoint` admitted (not 429) in any span of `window`.
    #[must_use]
    pub fn peak_admitted(&self, endpoint: Endpoint, window: Duration) -> usize {
        let times: Vec<Instant> = self
            .requests()
            .iter()
            .filter(|r| r.endpoint == Some(endpoint) && r.status != 429)
            .map(|r| r.at)
            .collect();
        let mut peak = 0;
        for (i, start) in times.iter().enumerate() {
            let within = times[i..]
                .iter()
                .take_while(|&&t| t.duration_since(*start) < window)
                .count();
            peak = peak.max(within);
        }
        peak
    }

    /// OAuth refresh tokens currently valid, per token → scopes (for assertions).
    #[must_use]
    pub fn live_refresh_tokens(&self) -> HashMap<String, Vec<String>> {
        self.inner
            .state()
            .oauth
            .refresh_tokens
            .iter()
            .map(|(token, grant)| (token.clone(), grant.scopes.clone()))
            .collect()
    }

    /// Refuses every access token issued so far (401), as Klaviyo does once they lapse;
    /// refresh tokens stay valid.
    pub fn expire_access_tokens(&self) {
        self.inner.state().oauth.access_tokens.clear();
    }

    /// Refresh grants the token endpoint answered, spent or refused.
    #[must_use]
    pub fn refresh_grants(&self) -> usize {
        self.inner.state().oauth.refresh_grants
    }

    /// The token endpoint waits `delay` before answering a refresh (widens races).
    pub fn delay_refreshes(&self, delay: Duration) {
        self.inner.state().oauth.refresh_delay = delay;
    }

    /// Stops the server.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}
