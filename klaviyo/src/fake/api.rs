//! The fake's REST endpoints under `/api/`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::reply::Refused;
use super::store::{FakeEvent, Job, RecordedRequest, RowError};
use super::{Inner, gate, reply, schema};
use crate::endpoint::Endpoint;

/// Most profiles in one import job, as documented.
const MAX_JOB_PROFILES: usize = 10_000;
/// Most events in one bulk create request, as documented.
const MAX_BULK_EVENTS: usize = 1_000;

/// A matched API route.
enum Route {
    Accounts,
    Profiles,
    CreateJob,
    Job(String),
    JobErrors(String),
    CreateEvent,
    BulkEvents,
}

impl Route {
    fn parse(method: &str, path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        match (method, segments.as_slice()) {
            ("GET", ["api", "accounts"]) => Some(Self::Accounts),
            ("GET", ["api", "profiles"]) => Some(Self::Profiles),
            ("POST", ["api", "profile-bulk-import-jobs"]) => Some(Self::CreateJob),
            ("GET", ["api", "profile-bulk-import-jobs", id]) => Some(Self::Job((*id).to_owned())),
            ("GET", ["api", "profile-bulk-import-jobs", id, "import-errors"]) => {
                Some(Self::JobErrors((*id).to_owned()))
            }
            ("POST", ["api", "events"]) => Some(Self::CreateEvent),
            ("POST", ["api", "event-bulk-create-jobs"]) => Some(Self::BulkEvents),
            _ => None,
        }
    }

    fn endpoint(&self) -> Endpoint {
        match self {
            Self::Accounts => Endpoint::GetAccounts,
            Self::Profiles => Endpoint::GetProfiles,
            Self::CreateJob => Endpoint::CreateProfileImportJob,
            Self::Job(_) => Endpoint::GetProfileImportJob,
            Self::JobErrors(_) => Endpoint::GetProfileImportErrors,
            Self::CreateEvent => Endpoint::CreateEvent,
            Self::BulkEvents => Endpoint::CreateEventBulkJob,
        }
    }

    fn request_schema(&self) -> Option<&'static str> {
        match self {
            Self::CreateJob => Some(schema::PROFILE_IMPORT),
            Self::CreateEvent => Some(schema::EVENT_CREATE),
            Self::BulkEvents => Some(schema::EVENT_BULK),
            _ => None,
        }
    }
}

/// Every request that is not OAuth lands here.
pub(crate) async fn handle(
    inner: web::Data<Inner>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let route = Route::parse(req.method().as_str(), req.path());
    let endpoint = route.as_ref().map(Route::endpoint);
    let response = answer(&inner, &req, &body, route).unwrap_or_else(|refusal| *refusal);
    record(&inner, &req, &body, endpoint, response.status().as_u16());
    response
}

fn answer(
    inner: &Inner,
    req: &HttpRequest,
    body: &[u8],
    route: Option<Route>,
) -> Result<HttpResponse, Refused> {
    gate::outage(inner)?;
    let route = route.ok_or_else(|| reply::not_found(req.path()))?;
    gate::revision(inner, req)?;
    let granted = gate::credential(inner, req)?;
    gate::scopes(route.endpoint(), &granted)?;
    gate::rate(inner, route.endpoint())?;
    let document = match route.request_schema() {
        Some(name) => gate::body(inner, req, body, name)?,
        None => Value::Null,
    };
    let query = query_map(req.query_string());
    match route {
        Route::Accounts => Ok(accounts(inner)),
        Route::Profiles => profiles(inner, &query),
        Route::CreateJob => create_job(inner, &document),
        Route::Job(id) => job(inner, &id),
        Route::JobErrors(id) => job_errors(inner, &id, &query),
        Route::CreateEvent => create_event(inner, &document),
        Route::BulkEvents => bulk_events(inner, &document),
    }
}

fn record(inner: &Inner, req: &HttpRequest, body: &[u8], endpoint: Option<Endpoint>, status: u16) {
    let headers = req
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    inner.state().requests.push(RecordedRequest {
        at: std::time::Instant::now(),
        method: req.method().as_str().to_owned(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        headers,
        body: body.to_vec(),
        endpoint,
        status,
    });
}

fn query_map(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// Answers `value` after checking it against Klaviyo's response schema: a mismatch is a
/// bug in the fake, reported as a 500 the test will see.
fn respond(inner: &Inner, status: u16, schema_name: &str, value: &Value) -> HttpResponse {
    match inner.schemas.check(schema_name, value) {
        Ok(()) => reply::body(status, value),
        Err(violation) => *reply::error(
            500,
            "fake_klaviyo_bug",
            "The fake's answer does not match Klaviyo's schema.",
            &format!(
                "{schema_name} at {}: {}",
                violation.pointer, violation.message
            ),
            None,
        ),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn accounts(inner: &Inner) -> HttpResponse {
    let id = super::ACCOUNT_ID;
    let link = format!("{}/api/accounts/{id}/", inner.address);
    let value = json!({
        "data": [{
            "type": "account",
            "id": id,
            "attributes": {
                "test_account": false,
                "contact_information": {
                    "default_sender_name": "Meander Demo",
                    "default_sender_email": "hello@meander.test",
                    "website_url": "https://meander.test",
                    "organization_name": "Meander Demo Shop",
                    "street_address": {
                        "address1": "1 Test Street", "address2": null, "city": "Boston",
                        "region": "MA", "country": "United States", "zip": "02110"
                    }
                },
                "industry": "Retail",
                "timezone": "America/New_York",
                "preferred_currency": "USD",
                "public_api_key": id,
                "locale": "en-US"
            },
            "links": { "self": link }
        }],
        "links": { "self": format!("{}/api/accounts/", inner.address) }
    });
    respond(inner, 200, schema::ACCOUNTS, &value)
}

fn page_size(query: &HashMap<String, String>) -> Result<usize, Refused> {
    let Some(raw) = query.get("page[size]") else {
        return Ok(20);
    };
    match raw.parse::<usize>() {
        Ok(size @ 1..=100) => Ok(size),
        _ => Err(reply::parameter_error(
            "page[size]",
            "Page size must be an integer between 1 and 100.",
        )),
    }
}

fn cursor_offset(query: &HashMap<String, String>) -> Result<usize, Refused> {
    let Some(cursor) = query.get("page[cursor]") else {
        return Ok(0);
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| reply::parameter_error("page[cursor]", "Invalid page cursor."))
}

fn cursor_for(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// `links` of a page, with `next` carrying the cursor and the other parameters.
fn page_links(
    inner: &Inner,
    path: &str,
    query: &HashMap<String, String>,
    next: Option<usize>,
) -> Value {
    let encode = |pairs: &HashMap<String, String>| {
        let mut sorted: Vec<_> = pairs.iter().collect();
        sorted.sort();
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(sorted)
            .finish()
    };
    let base = format!("{}{path}", inner.address);
    let mut links = json!({ "self": format!("{base}?{}", encode(query)) });
    if let Some(offset) = next {
        let mut next_query = query.clone();
        next_query.insert("page[cursor]".into(), cursor_for(offset));
        links["next"] = json!(format!("{base}?{}", encode(&next_query)));
    }
    links
}

fn profiles(inner: &Inner, query: &HashMap<String, String>) -> Result<HttpResponse, Refused> {
    let size = page_size(query)?;
    let offset = cursor_offset(query)?;
    let filter =
        match query.get("filter") {
            Some(text) => Some(parse_filter(text).ok_or_else(|| {
                reply::parameter_error("filter", &format!("Invalid filter: {text}"))
            })?),
            None => None,
        };
    let fields: Option<Vec<String>> = query
        .get("fields[profile]")
        .map(|f| f.split(',').map(str::to_owned).collect());
    let matching: Vec<_> = inner
        .state()
        .profiles
        .iter()
        .filter(|p| filter.as_ref().is_none_or(|f| f.matches(p)))
        .cloned()
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(size)
        .map(|p| profile_resource(inner, p, fields.as_deref()))
        .collect();
    let next = (offset + size < matching.len()).then_some(offset + size);
    let value = json!({ "data": page, "links": page_links(inner, "/api/profiles", query, next) });
    Ok(respond(inner, 200, schema::PROFILES, &value))
}

fn profile_resource(inner: &Inner, p: &super::FakeProfile, fields: Option<&[String]>) -> Value {
    let all = json!({
        "email": p.email, "phone_number": p.phone_number, "external_id": p.external_id,
        "properties": p.properties,
    });
    let attributes: Map<String, Value> = all
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| fields.is_none_or(|f| f.iter().any(|x| x == *k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    json!({
        "type": "profile", "id": p.id, "attributes": attributes,
        "links": { "self": format!("{}/api/profiles/{}/", inner.address, p.id) }
    })
}

/// A parsed `filter`: `equals(field,"v")` or `any(field,["v",…])`.
struct Filter {
    field: String,
    values: Vec<String>,
}

impl Filter {
    fn matches(&self, p: &super::FakeProfile) -> bool {
        let value = match self.field.as_str() {
            "email" => p.email.as_deref(),
            "external_id" => p.external_id.as_deref(),
            "phone_number" => p.phone_number.as_deref(),
            "id" => Some(p.id.as_str()),
            _ => None,
        };
        value.is_some_and(|v| self.values.iter().any(|x| x == v))
    }
}

fn parse_filter(text: &str) -> Option<Filter> {
    let (op, rest) = text.split_once('(')?;
    let (field, argument) = rest.strip_suffix(')')?.split_once(',')?;
    if !matches!(field, "email" | "external_id" | "phone_number" | "id") {
        return None;
    }
    let values = match op {
        "equals" => vec![quoted(argument.trim())?.0],
        "any" => quoted_list(argument.trim().strip_prefix('[')?.strip_suffix(']')?)?,
        _ => return None,
    };
    Some(Filter {
        field: field.to_owned(),
        values,
    })
}

/// A `"…"` or `'…'` string at the start of `text`, and what follows it.
fn quoted(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &text[1..];
    let end = rest.find(quote)?;
    Some((rest[..end].to_owned(), &rest[end + 1..]))
}

fn quoted_list(mut text: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    while !text.trim().is_empty() {
        let (value, rest) = quoted(text.trim_start())?;
        values.push(value);
        text = rest.trim_start().strip_prefix(',').unwrap_or(rest);
    }
    Some(values)
}

fn create_job(inner: &Inner, document: &Value) -> Result<HttpResponse, Refused> {
    let rows = document
        .pointer("/data/attributes/profiles/data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if rows.len() > MAX_JOB_PROFILES {
        return Err(reply::error(
            400,
            "invalid",
            "Invalid input.",
            &format!("A job takes at most 10000 profiles; got {}.", rows.len()),
            Some("/data/attributes/profiles/data"),
        ));
    }
    let mut state = inner.state();
    let id = state.new_id();
    let job = Job {
        id: id.clone(),
        rows,
        created_at: now(),
        completed_at: None,
        processing_left: state.processing_polls,
        completed: 0,
        errors: Vec::new(),
    };
    let value = json!({ "data": job_resource(inner, &job, "queued"), "links": { "self": job_link(inner, &id) } });
    state.jobs.insert(id, job);
    drop(state);
    Ok(respond(inner, 202, schema::JOB_CREATED, &value))
}

fn job_link(inner: &Inner, id: &str) -> String {
    format!("{}/api/profile-bulk-import-jobs/{id}/", inner.address)
}

fn job_resource(inner: &Inner, job: &Job, status: &str) -> Value {
    json!({
        "type": "profile-bulk-import-job",
        "id": job.id,
        "attributes": {
            "status": status,
            "created_at": job.created_at,
            "total_count": job.rows.len(),
            "completed_count": job.completed,
            "failed_count": job.errors.len(),
            "completed_at": job.completed_at,
            "expires_at": null,
            "started_at": job.created_at,
        },
        "links": { "self": job_link(inner, &job.id) }
    })
}

fn job(inner: &Inner, id: &str) -> Result<HttpResponse, Refused> {
    let mut guard = inner.state();
    let state = &mut *guard;
    let Some(job) = state.jobs.get_mut(id) else {
        return Err(reply::error(
            404,
            "not_found",
            "Not found.",
            &format!("No job {id}."),
            None,
        ));
    };
    let status = if job.processing_left > 0 {
        job.processing_left -= 1;
        "processing"
    } else {
        "complete"
    };
    let run = status == "complete" && job.completed_at.is_none();
    let rows = if run {
        std::mem::take(&mut job.rows)
    } else {
        Vec::new()
    };
    drop(guard);
    if run {
        run_job(inner, id, rows);
    }
    let state = inner.state();
    let job = state.jobs.get(id).ok_or_else(|| reply::not_found(id))?;
    let value = json!({ "data": job_resource(inner, job, status), "links": { "self": job_link(inner, id) } });
    drop(state);
    Ok(respond(inner, 200, schema::JOB, &value))
}

/// Imports a job's rows: good ones upsert profiles, poisoned or identifier-less ones fail.
fn run_job(inner: &Inner, id: &str, rows: Vec<Value>) {
    let mut state = inner.state();
    let mut completed = 0;
    let mut errors = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let attributes = row.get("attributes").cloned().unwrap_or(Value::Null);
        let text = |key: &str| attributes.get(key).and_then(Value::as_str);
        let email = text("email");
        let (phone, external_id) = (text("phone_number"), text("external_id"));
        let bad = email
            .filter(|e| state.poisoned_emails.contains(*e))
            .map(|e| {
                (
                    format!("Invalid email address: {e}"),
                    format!("/data/attributes/profiles/data/{index}/attributes/email"),
                )
            });
        let anonymous = (email.is_none() && phone.is_none() && external_id.is_none()).then(|| {
            (
                "A profile needs an email, phone number or external id.".to_owned(),
                format!("/data/attributes/profiles/data/{index}/attributes"),
            )
        });
        if let Some((detail, pointer)) = bad.or(anonymous) {
            let error_id = state.new_id();
            errors.push(RowError {
                id: error_id,
                detail,
                pointer,
                row: row.clone(),
            });
            continue;
        }
        let properties = attributes.get("properties").and_then(Value::as_object);
        state.upsert_profile(email, phone, external_id, properties);
        completed += 1;
    }
    if let Some(job) = state.jobs.get_mut(id) {
        job.rows = rows;
        job.completed = completed;
        job.errors = errors;
        job.completed_at = Some(now());
    }
}

fn job_errors(
    inner: &Inner,
    id: &str,
    query: &HashMap<String, String>,
) -> Result<HttpResponse, Refused> {
    let size = page_size(query)?;
    let offset = cursor_offset(query)?;
    let state = inner.state();
    let job = state.jobs.get(id).ok_or_else(|| {
        reply::error(
            404,
            "not_found",
            "Not found.",
            &format!("No job {id}."),
            None,
        )
    })?;
    let page: Vec<Value> = job
        .errors
        .iter()
        .skip(offset)
        .take(size)
        .map(|e| {
            json!({
                "type": "import-error",
                "id": e.id,
                "attributes": {
                    "code": "invalid",
                    "title": "Invalid input.",
                    "detail": e.detail,
                    "source": { "pointer": e.pointer },
                    "original_payload": e.row,
                }
            })
        })
        .collect();
    let next = (offset + size < job.errors.len()).then_some(offset + size);
    drop(state);
    let path = format!("/api/profile-bulk-import-jobs/{id}/import-errors");
    let value = json!({ "data": page, "links": page_links(inner, &path, query, next) });
    Ok(respond(inner, 200, schema::IMPORT_ERRORS, &value))
}

/// Profile identifiers of an event's `profile.data`, upserted; returns the profile id.
fn event_profile(inner: &Inner, profile: &Value) -> String {
    let attributes = profile.get("attributes").cloned().unwrap_or(Value::Null);
    let text = |key: &str| attributes.get(key).and_then(Value::as_str);
    let mut state = inner.state();
    if let Some(id) = profile.get("id").and_then(Value::as_str)
        && state.profiles.iter().any(|p| p.id == id)
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
    let mut state = inner.state();
    let duplicate = state
        .events
        .iter()
        .any(|e| e.profile_id == profile_id && e.metric == metric && e.unique_id == unique_id);
    if !duplicate {
        let properties = attributes.get("properties").cloned().unwrap_or(Value::Null);
        state.events.push(FakeEvent {
            profile_id,
            metric,
            unique_id,
            properties,
        });
    }
    !duplicate
}

fn create_event(inner: &Inner, document: &Value) -> Result<HttpResponse, Refused> {
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

fn bulk_events(inner: &Inner, document: &Value) -> Result<HttpResponse, Refused> {
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
