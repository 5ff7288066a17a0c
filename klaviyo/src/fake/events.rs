//! Events in the fake: single and bulk create, deduplicated on profile, metric and
//! `unique_id` as Klaviyo does.

use actix_web::HttpResponse;
use serde_json::Value;

use super::Inner;
use super::reply::{self, Refused};
use super::store::FakeEvent;

/// Most events in one bulk create request, as documented.
const MAX_BULK_EVENTS: usize = 1_000;

/// Profile identifiers of an event's `profile.data`, upserted; returns the profile id.
fn event_profile(inner: &Inner, profile: &Value) -> String {
    let attributes = profile.get("attributes").cloned().unwrap_or(Value::Null);
    let text = |key: &str| attributes.get(key).and_then(Value::as_str);
    let mut state = inner.state();
    if let Some(id) = profile.get("id").and_then(Value::as_str)
        && state.profile_position("id", id).is_some()
    {
        return id.to_owned();
    }
    let properties = attributes.get("properties").and_then(Value::as_object);
    state.upsert_profile(
        text("email"),
        text("phone_number"),
        text("external_id"),
        properties,
    )
}

/// Records an event unless one with the same profile, metric and `unique_id` exists.
fn store_event(inner: &Inner, profile_id: String, attributes: &Value) -> bool {
    let metric = attributes
        .pointer("/metric/data/attributes/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    // Klaviyo's default unique_id is the event time to the second.
    let unique_id = attributes
        .get("unique_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            attributes
                .get("time")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| chrono::Utc::now().timestamp().to_string());
    let properties = attributes.get("properties").cloned().unwrap_or(Value::Null);
    inner.state().record_event(FakeEvent {
        profile_id,
        metric,
        unique_id,
        properties,
    })
}

pub(crate) fn create(inner: &Inner, document: &Value) -> Result<HttpResponse, Refused> {
    let attributes = document
        .pointer("/data/attributes")
        .cloned()
        .unwrap_or(Value::Null);
    let profile = attributes
        .pointer("/profile/data")
        .cloned()
        .unwrap_or(Value::Null);
    if !has_identifier(&profile) {
        return Err(no_identifier("/data/attributes/profile/data/attributes"));
    }
    let profile_id = event_profile(inner, &profile);
    store_event(inner, profile_id, &attributes);
    Ok(HttpResponse::Accepted().finish())
}

fn has_identifier(profile: &Value) -> bool {
    profile.get("id").is_some_and(Value::is_string)
        || [
            "email",
            "phone_number",
            "external_id",
            "anonymous_id",
            "_kx",
        ]
        .iter()
        .any(|key| {
            profile
                .pointer(&format!("/attributes/{key}"))
                .is_some_and(Value::is_string)
        })
}

fn no_identifier(pointer: &str) -> Refused {
    reply::error(
        400,
        "invalid",
        "Invalid input.",
        "One of the profile identifiers (id, email, phone_number, external_id) is required.",
        Some(pointer),
    )
}

pub(crate) fn bulk(inner: &Inner, document: &Value) -> Result<HttpResponse, Refused> {
    let groups = document
        .pointer("/data/attributes/events-bulk-create/data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let total: usize = groups
        .iter()
        .map(|g| {
            g.pointer("/attributes/events/data")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        })
        .sum();
    if total > MAX_BULK_EVENTS {
        return Err(reply::error(
            400,
            "invalid",
            "Invalid input.",
            &format!("A request takes at most 1000 events; got {total}."),
            Some("/data/attributes/events-bulk-create/data"),
        ));
    }
    for (index, group) in groups.iter().enumerate() {
        let profile = group
            .pointer("/attributes/profile/data")
            .cloned()
            .unwrap_or(Value::Null);
        if !has_identifier(&profile) {
            return Err(no_identifier(&format!(
                "/data/attributes/events-bulk-create/data/{index}/attributes/profile"
            )));
        }
    }
    for group in &groups {
        let profile = group
            .pointer("/attributes/profile/data")
            .cloned()
            .unwrap_or(Value::Null);
        let profile_id = event_profile(inner, &profile);
        let events = group
            .pointer("/attributes/events/data")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for event in events {
            let attributes = event.get("attributes").cloned().unwrap_or(Value::Null);
            store_event(inner, profile_id.clone(), &attributes);
        }
    }
    Ok(HttpResponse::Accepted().finish())
}
