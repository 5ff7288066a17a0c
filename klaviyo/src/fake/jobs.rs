//! Bulk profile import jobs in the fake: create, poll (with `processing` held for N polls),
//! and the import errors of rows that failed.

use std::collections::HashMap;

use actix_web::HttpResponse;
use serde_json::{Value, json};

use super::paging::{cursor_offset, page_links, page_size};
use super::reply::{self, Refused, now, respond};
use super::store::{Job, RowError};
use super::{Inner, schema};

/// Most profiles in one import job, as documented.
const MAX_JOB_PROFILES: usize = 10_000;

pub(crate) fn create(inner: &Inner, document: &Value) -> Result<HttpResponse, Refused> {
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

pub(crate) fn get(inner: &Inner, id: &str) -> Result<HttpResponse, Refused> {
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

/// Imports a job's rows: good ones upsert profiles, poisoned (by email or external id) or
/// identifier-less ones fail.
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
        let bad = bad.or_else(|| {
            external_id
                .filter(|id| state.poisoned_external_ids.contains(*id))
                .map(|id| {
                    (
                        format!("Invalid external id: {id}"),
                        format!("/data/attributes/profiles/data/{index}/attributes/external_id"),
                    )
                })
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

pub(crate) fn errors(
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
