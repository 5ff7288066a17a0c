//! Events: `POST /api/events` one at a time and `POST /api/event-bulk-create-jobs` in bulk.
//!
//! Klaviyo records an event once per profile, metric and `unique_id` ("only the first
//! processed event will be recorded"), so a retried or re-run push never doubles an event
//! as long as it keeps its `unique_id`. Without one Klaviyo uses the time to the second.
//! The bulk endpoint takes up to 1,000 events and 5 MB per request (strings ≤ 100 KB);
//! events are grouped by profile in its body.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::batch::{self, BatchLimits, SplitError};
use crate::client::{ApiRequest, Client, encode};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::jsonapi::{Document, NewResource};

/// Klaviyo's limits for one `event-bulk-create-jobs` request.
pub const EVENT_BULK_LIMITS: BatchLimits = BatchLimits {
    max_count: 1_000,
    max_bytes: 5_000_000,
    max_item_bytes: 5_000_000,
};

/// Who an event is about: at least one identifier should be set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProfileRef {
    /// Klaviyo's profile id (sent as the resource id, not an attribute).
    #[serde(skip)]
    pub id: Option<String>,
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number in E.164.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The external system's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl ProfileRef {
    /// The profile with this email.
    #[must_use]
    pub fn email(email: impl Into<String>) -> Self {
        Self {
            email: Some(email.into()),
            ..Self::default()
        }
    }

    /// The profile with this external id.
    #[must_use]
    pub fn external_id(id: impl Into<String>) -> Self {
        Self {
            external_id: Some(id.into()),
            ..Self::default()
        }
    }

    fn resource(&self) -> NewResource<'_, &Self> {
        NewResource {
            kind: "profile",
            id: self.id.as_deref(),
            attributes: self,
        }
    }
}

/// What happened (metric, properties, when), without the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct EventData {
    /// Metric name, e.g. "Recommendations Ready" (under 128 characters).
    pub metric: String,
    /// Event properties (at most 400).
    pub properties: Map<String, Value>,
    /// Dedupe key: Klaviyo keeps the first event per profile, metric and `unique_id`.
    pub unique_id: Option<String>,
    /// When it happened (Klaviyo truncates to the second); `None` for now.
    pub time: Option<DateTime<Utc>>,
    /// A monetary value.
    pub value: Option<f64>,
}

/// One event for one profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Who.
    pub profile: ProfileRef,
    /// What.
    pub data: EventData,
}

/// Several events of one profile, as the bulk endpoint groups them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileEvents {
    /// Who.
    pub profile: ProfileRef,
    /// What, in order.
    pub events: Vec<EventData>,
}

#[derive(Serialize)]
struct MetricAttributes<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct EventAttributes<'a> {
    properties: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_id: Option<&'a str>,
    metric: Document<NewResource<'a, MetricAttributes<'a>>>,
    /// Only in `POST /api/events`; the bulk body carries the profile one level up.
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<Document<NewResource<'a, &'a ProfileRef>>>,
}

impl EventData {
    fn attributes<'a>(&'a self, profile: Option<&'a ProfileRef>) -> EventAttributes<'a> {
        EventAttributes {
            properties: &self.properties,
            time: self
                .time
                .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, true)),
            value: self.value,
            unique_id: self.unique_id.as_deref(),
            metric: Document {
                data: NewResource::new("metric", MetricAttributes { name: &self.metric }),
            },
            profile: profile.map(|p| Document { data: p.resource() }),
        }
    }
}

#[derive(Serialize)]
struct GroupAttributes<'a> {
    profile: Document<NewResource<'a, &'a ProfileRef>>,
    events: Document<Vec<NewResource<'a, EventAttributes<'a>>>>,
}

#[derive(Serialize)]
struct BulkAttributes<'a> {
    #[serde(rename = "events-bulk-create")]
    events: Document<Vec<NewResource<'a, GroupAttributes<'a>>>>,
}

impl ProfileEvents {
    fn resource(&self) -> NewResource<'_, GroupAttributes<'_>> {
        let events = self
            .events
            .iter()
            .map(|event| NewResource::new("event", event.attributes(None)))
            .collect();
        NewResource::new(
            "event-bulk-create",
            GroupAttributes {
                profile: Document {
                    data: self.profile.resource(),
                },
                events: Document { data: events },
            },
        )
    }
}

fn bulk_document(groups: &[ProfileEvents]) -> Document<NewResource<'_, BulkAttributes<'_>>> {
    let data = groups.iter().map(ProfileEvents::resource).collect();
    Document {
        data: NewResource::new(
            "event-bulk-create-job",
            BulkAttributes {
                events: Document { data },
            },
        ),
    }
}

/// Splits profile groups into bulk requests within [`EVENT_BULK_LIMITS`] (or `limits`).
///
/// # Errors
/// A group with more events, or more bytes, than one request takes.
pub fn split_event_groups(
    groups: Vec<ProfileEvents>,
    limits: BatchLimits,
) -> Result<Vec<Vec<ProfileEvents>>, SplitError> {
    let envelope = serde_json::to_vec(&bulk_document(&[]))
        .map_err(|err| SplitError::Encode {
            index: 0,
            message: err.to_string(),
        })?
        .len();
    let sized = groups
        .into_iter()
        .enumerate()
        .map(|(index, group)| {
            let bytes = serde_json::to_vec(&group.resource())
                .map_err(|err| SplitError::Encode {
                    index,
                    message: err.to_string(),
                })?
                .len();
            let count = group.events.len();
            Ok(batch::Sized {
                item: group,
                bytes,
                count,
            })
        })
        .collect::<Result<Vec<_>, SplitError>>()?;
    Ok(batch::split(sized, envelope, limits)?
        .into_iter()
        .map(|(groups, _)| groups)
        .collect())
}

impl Client {
    /// Records one event (`202 Accepted`: validated and queued, not yet processed).
    ///
    /// # Errors
    /// See [`Error`].
    pub async fn create_event(&self, event: &Event) -> Result<(), Error> {
        let document = Document {
            data: NewResource::new("event", event.data.attributes(Some(&event.profile))),
        };
        let request = ApiRequest::post(Endpoint::CreateEvent, "/api/events", encode(&document)?);
        self.execute(request).await.map(drop)
    }

    /// Records many events in one request (`202 Accepted`). Use
    /// [`split_event_groups`] first for more than 1,000 events or 5 MB.
    ///
    /// # Errors
    /// See [`Error`].
    pub async fn create_event_bulk_job(&self, groups: &[ProfileEvents]) -> Result<(), Error> {
        let body = encode(&bulk_document(groups))?;
        let request = ApiRequest::post(
            Endpoint::CreateEventBulkJob,
            "/api/event-bulk-create-jobs",
            body,
        );
        self.execute(request).await.map(drop)
    }
}
