//! What the fake Klaviyo holds in memory.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::endpoint::Endpoint;

/// A profile the fake holds.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeProfile {
    /// Klaviyo-style id (`01…`).
    pub id: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone_number: Option<String>,
    /// External id.
    pub external_id: Option<String>,
    /// Custom properties, merged on each upsert.
    pub properties: Map<String, Value>,
}

/// An event the fake recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeEvent {
    /// The profile's id in the fake.
    pub profile_id: String,
    /// Metric name.
    pub metric: String,
    /// Dedupe key (Klaviyo's default is the time to the second).
    pub unique_id: String,
    /// Event properties.
    pub properties: Value,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// When it arrived.
    pub at: Instant,
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// The endpoint it matched, if any.
    pub endpoint: Option<Endpoint>,
    /// Status answered.
    pub status: u16,
}

impl RecordedRequest {
    /// The first value of header `name` (lower-case).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A bulk import job.
pub(crate) struct Job {
    pub id: String,
    pub rows: Vec<Value>,
    pub created_at: String,
    pub completed_at: Option<String>,
    /// Polls still to answer `processing`.
    pub processing_left: u32,
    pub completed: u64,
    pub errors: Vec<RowError>,
}

/// A row that failed in a job.
pub(crate) struct RowError {
    pub id: String,
    pub detail: String,
    pub pointer: String,
    pub row: Value,
}

/// Fixed windows per endpoint: (length, limit, current window number, admitted in it).
#[derive(Default)]
pub(crate) struct Limits {
    windows: HashMap<Endpoint, Vec<Window>>,
}

struct Window {
    per: Duration,
    limit: u32,
    number: u128,
    admitted: u32,
}

impl Limits {
    pub(crate) fn add(&mut self, endpoint: Endpoint, limit: u32, per: Duration) {
        self.windows.entry(endpoint).or_default().push(Window {
            per,
            limit,
            number: 0,
            admitted: 0,
        });
    }

    /// Admits one request at `elapsed` since start, or says how long until a window frees.
    pub(crate) fn admit(&mut self, endpoint: Endpoint, elapsed: Duration) -> Result<(), Duration> {
        let Some(windows) = self.windows.get_mut(&endpoint) else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        for window in windows.iter_mut() {
            let per = window.per.as_nanos().max(1);
            let number = elapsed.as_nanos() / per;
            if number != window.number {
                window.number = number;
                window.admitted = 0;
            }
            if window.admitted >= window.limit {
                let ends =
                    Duration::from_nanos(u64::try_from((number + 1) * per).unwrap_or(u64::MAX));
                wait = wait.max(ends.saturating_sub(elapsed));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for window in windows.iter_mut() {
            window.admitted += 1;
        }
        Ok(())
    }
}

/// An OAuth grant: the scopes and the family of tokens issued from one authorization.
#[derive(Clone)]
pub(crate) struct Grant {
    pub scopes: Vec<String>,
    pub family: u64,
}

/// A code waiting for its exchange.
pub(crate) struct PendingCode {
    pub challenge: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
}

/// OAuth state.
#[derive(Default)]
pub(crate) struct OAuthBooks {
    pub codes: HashMap<String, PendingCode>,
    pub access_tokens: HashMap<String, Grant>,
    pub refresh_tokens: HashMap<String, Grant>,
    pub next_family: u64,
    /// Refresh grants answered (spent or refused).
    pub refresh_grants: usize,
    /// How long the token endpoint takes to answer a refresh.
    pub refresh_delay: std::time::Duration,
}

/// Everything the fake holds.
pub(crate) struct State {
    pub api_keys: HashMap<String, Vec<String>>,
    pub oauth: OAuthBooks,
    pub down: bool,
    pub fail_next: usize,
    pub fail_status: u16,
    pub limits: Limits,
    pub poisoned_emails: HashSet<String>,
    pub poisoned_external_ids: HashSet<String>,
    pub processing_polls: u32,
    pub profiles: Vec<FakeProfile>,
    /// Position in `profiles` by identifier (`email:…`, `external_id:…`, `phone_number:…`,
    /// `id:…`): the push benchmark holds 100,000 profiles, where scanning them for every
    /// upsert and lookup made the fake slower than Klaviyo's rate limits.
    profile_index: HashMap<String, usize>,
    pub events: Vec<FakeEvent>,
    /// (profile, metric, unique id) of every stored event, for Klaviyo's deduplication.
    event_keys: HashSet<(String, String, String)>,
    pub jobs: HashMap<String, Job>,
    pub requests: Vec<RecordedRequest>,
    next_id: u64,
}

impl State {
    pub(crate) fn new() -> Self {
        let all = super::ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        Self {
            api_keys: HashMap::from([(super::API_KEY.to_owned(), all)]),
            oauth: OAuthBooks::default(),
            down: false,
            fail_next: 0,
            fail_status: 503,
            limits: Limits::default(),
            poisoned_emails: HashSet::new(),
            poisoned_external_ids: HashSet::new(),
            processing_polls: 0,
            profiles: Vec::new(),
            profile_index: HashMap::new(),
            events: Vec::new(),
            event_keys: HashSet::new(),
            jobs: HashMap::new(),
            requests: Vec::new(),
            next_id: 0,
        }
    }

    /// A new Klaviyo-looking id (26 characters, sortable like a ULID).
    pub(crate) fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("01FAKE{:020}", self.next_id)
    }

    /// Creates or updates the profile matching any identifier given; returns its id.
    pub(crate) fn upsert_profile(
        &mut self,
        email: Option<&str>,
        phone_number: Option<&str>,
        external_id: Option<&str>,
        properties: Option<&Map<String, Value>>,
    ) -> String {
        let found = [
            ("email", email),
            ("external_id", external_id),
            ("phone_number", phone_number),
        ]
        .into_iter()
        .find_map(|(field, value)| self.profile_position(field, value?));
        let index = found.unwrap_or_else(|| {
            let id = self.new_id();
            self.profiles.push(FakeProfile {
                id,
                email: None,
                phone_number: None,
                external_id: None,
                properties: Map::new(),
            });
            self.profiles.len() - 1
        });
        for key in identifiers(&self.profiles[index]) {
            self.profile_index.remove(&key);
        }
        let profile = &mut self.profiles[index];
        set_if_some(&mut profile.email, email);
        set_if_some(&mut profile.phone_number, phone_number);
        set_if_some(&mut profile.external_id, external_id);
        if let Some(properties) = properties {
            profile
                .properties
                .extend(properties.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let id = profile.id.clone();
        for key in identifiers(&self.profiles[index]) {
            self.profile_index.insert(key, index);
        }
        id
    }

    /// The position of the profile whose `field` (`email`, `external_id`, `phone_number`
    /// or `id`) is `value`.
    pub(crate) fn profile_position(&self, field: &str, value: &str) -> Option<usize> {
        self.profile_index.get(&identifier(field, value)).copied()
    }

    /// Stores `event` unless one with the same profile, metric and unique id is stored;
    /// whether it was stored.
    pub(crate) fn record_event(&mut self, event: FakeEvent) -> bool {
        let key = (
            event.profile_id.clone(),
            event.metric.clone(),
            event.unique_id.clone(),
        );
        let new = self.event_keys.insert(key);
        if new {
            self.events.push(event);
        }
        new
    }
}

fn identifier(field: &str, value: &str) -> String {
    format!("{field}:{value}")
}

/// The index keys of a profile.
fn identifiers(profile: &FakeProfile) -> Vec<String> {
    [
        ("id", Some(profile.id.as_str())),
        ("email", profile.email.as_deref()),
        ("external_id", profile.external_id.as_deref()),
        ("phone_number", profile.phone_number.as_deref()),
    ]
    .into_iter()
    .filter_map(|(field, value)| Some(identifier(field, value?)))
    .collect()
}

fn set_if_some(slot: &mut Option<String>, value: Option<&str>) {
    if let Some(value) = value {
        *slot = Some(value.to_owned());
    }
}
