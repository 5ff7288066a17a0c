//! The checks every API request passes before a handler sees it, in Klaviyo's order.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use super::reply::Refused;
use super::{Inner, reply};
use crate::client::JSON_API;
use crate::endpoint::Endpoint;

/// Largest body Klaviyo takes on its bulk endpoints (5 MB, read as 5,000,000 bytes) and
/// on single-resource endpoints (100 KB for profiles; events allow 5 MB).
const MAX_BULK_BYTES: usize = 5_000_000;

/// The down switch and injected failures.
pub(crate) fn outage(inner: &Inner) -> Result<(), Refused> {
    let mut state = inner.state();
    let status = if state.down {
        Some(503)
    } else if state.fail_next > 0 {
        state.fail_next -= 1;
        Some(state.fail_status)
    } else {
        None
    };
    match status {
        None => Ok(()),
        // Klaviyo's edge answers outages with an HTML page, not JSON:API.
        Some(status) => Err(Box::new(
            HttpResponse::build(
                actix_web::http::StatusCode::from_u16(status)
                    .unwrap_or(actix_web::http::StatusCode::SERVICE_UNAVAILABLE),
            )
            .content_type("text/html")
            .body("<html><body><h1>Service Unavailable</h1></body></html>"),
        )),
    }
}

/// `revision: YYYY-MM-DD[.suffix]`, and the one this fake plays.
pub(crate) fn revision(inner: &Inner, req: &HttpRequest) -> Result<(), Refused> {
    let Some(value) = header(req, "revision") else {
        return Err(reply::error(
            400,
            "invalid",
            "Invalid input.",
            "The revision header is required (format: YYYY-MM-DD[.suffix]).",
            None,
        ));
    };
    let date = value.split('.').next().unwrap_or_default();
    let well_formed = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok();
    if !well_formed || value != inner.revision {
        return Err(reply::error(
            400,
            "invalid",
            "Invalid input.",
            &format!(
                "Revision {value:?} is not supported here; use {}.",
                inner.revision
            ),
            None,
        ));
    }
    Ok(())
}

/// The scopes of the credential in `Authorization`.
pub(crate) fn credential(inner: &Inner, req: &HttpRequest) -> Result<Vec<String>, Refused> {
    let missing = || {
        reply::error(
            401,
            "not_authenticated",
            "Authentication credentials were not provided.",
            "Missing or invalid authorization scheme. Please use Klaviyo-API-Key or Bearer.",
            None,
        )
    };
    let invalid = || {
        reply::error(
            401,
            "authentication_failed",
            "Incorrect authentication credentials.",
            "The API key or access token is invalid or has been revoked.",
            None,
        )
    };
    let value = header(req, "authorization").ok_or_else(missing)?;
    let state = inner.state();
    if let Some(key) = value.strip_prefix("Klaviyo-API-Key ") {
        return state.api_keys.get(key.trim()).cloned().ok_or_else(invalid);
    }
    if let Some(token) = value.strip_prefix("Bearer ") {
        return state
            .oauth
            .access_tokens
            .get(token.trim())
            .map(|grant| grant.scopes.clone())
            .ok_or_else(invalid);
    }
    Err(missing())
}

/// The endpoint's scopes are all granted.
pub(crate) fn scopes(endpoint: Endpoint, granted: &[String]) -> Result<(), Refused> {
    let lacking: Vec<&str> = endpoint
        .scopes()
        .iter()
        .copied()
        .filter(|needed| !granted.iter().any(|g| g == needed))
        .collect();
    if lacking.is_empty() {
        return Ok(());
    }
    Err(reply::error(
        403,
        "permission_denied",
        "You do not have permission to perform this action.",
        &format!(
            "This API key is missing required scopes: {}.",
            lacking.join(", ")
        ),
        None,
    ))
}

/// The endpoint's rate windows.
pub(crate) fn rate(inner: &Inner, endpoint: Endpoint) -> Result<(), Refused> {
    let elapsed = inner.started.elapsed();
    let mut state = inner.state();
    let Err(wait) = state.limits.admit(endpoint, elapsed) else {
        return Ok(());
    };
    // Whole seconds, rounded up, never 0: what Klaviyo sends.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = reply::error(
        429,
        "throttled",
        "Request was throttled.",
        &format!("Request was throttled. Expected available in {seconds} second."),
        None,
    );
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&seconds.to_string()) {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, value);
    }
    Err(response)
}

/// A JSON:API body within the size limit that validates against `schema_name`.
pub(crate) fn body(
    inner: &Inner,
    req: &HttpRequest,
    bytes: &[u8],
    schema_name: &str,
) -> Result<Value, Refused> {
    let content_type = header(req, "content-type").unwrap_or_default();
    if content_type.split(';').next().map(str::trim) != Some(JSON_API) {
        return Err(reply::error(
            415,
            "unsupported_media_type",
            "Unsupported media type.",
            &format!("Unsupported media type \"{content_type}\" in request."),
            None,
        ));
    }
    if bytes.len() > MAX_BULK_BYTES {
        return Err(reply::error(
            413,
            "payload_too_large",
            "Payload too large.",
            &format!("The payload is {} bytes; the limit is 5MB.", bytes.len()),
            Some("/data"),
        ));
    }
    let document: Value = serde_json::from_slice(bytes).map_err(|err| {
        reply::error(
            400,
            "parse_error",
            "Malformed JSON.",
            &format!("JSON parse error - {err}"),
            Some("/data"),
        )
    })?;
    inner
        .schemas
        .check(schema_name, &document)
        .map_err(|violation| {
            let pointer = if violation.pointer.is_empty() {
                "/data".to_owned()
            } else {
                violation.pointer
            };
            reply::error(
                400,
                "invalid",
                "Invalid input.",
                &violation.message,
                Some(&pointer),
            )
        })?;
    Ok(document)
}

/// A header as text.
pub(crate) fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}
