//! Klaviyo's answers: JSON:API success bodies and `{"errors": [...]}` error bodies.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::{Value, json};

use super::Inner;
use crate::client::JSON_API;

/// A refusal: boxed because a bare `HttpResponse` makes every `Result` carrying one large.
pub(crate) type Refused = Box<HttpResponse>;

/// An error answer the way Klaviyo shapes it.
pub(crate) fn error(
    status: u16,
    code: &str,
    title: &str,
    detail: &str,
    pointer: Option<&str>,
) -> Refused {
    let mut entry = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "status": status,
        "code": code,
        "title": title,
        "detail": detail,
        "links": {},
        "meta": {},
    });
    if let Some(pointer) = pointer {
        entry["source"] = json!({ "pointer": pointer });
    }
    Box::new(body(status, &json!({ "errors": [entry] })))
}

/// An error about a query parameter (`source.parameter`).
pub(crate) fn parameter_error(parameter: &str, detail: &str) -> Refused {
    let entry = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "status": 400,
        "code": "invalid",
        "title": "Invalid input.",
        "detail": detail,
        "source": { "parameter": parameter },
    });
    Box::new(body(400, &json!({ "errors": [entry] })))
}

/// A JSON:API body with `status`.
pub(crate) fn body(status: u16, value: &Value) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type(JSON_API)
        .body(value.to_string())
}

/// 404 for a path Klaviyo does not have.
pub(crate) fn not_found(path: &str) -> Refused {
    error(
        404,
        "not_found",
        "Not found.",
        &format!("No route for {path}."),
        None,
    )
}

/// Answers `value` after checking it against Klaviyo's response schema: a mismatch is a
/// bug in the fake, reported as a 500 the test will see.
pub(crate) fn respond(
    inner: &Inner,
    status: u16,
    schema_name: &str,
    value: &Value,
) -> HttpResponse {
    match inner.schemas.check(schema_name, value) {
        Ok(()) => body(status, value),
        Err(violation) => *error(
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

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::schema::{CLIENT_ERROR, Schemas};

    #[tokio::test]
    async fn error_bodies_match_klaviyos_client_error_schema() {
        let schemas = Schemas::load().unwrap_or_else(|e| panic!("{e}"));
        for refusal in [
            error(
                401,
                "not_authenticated",
                "Not authenticated.",
                "No key.",
                None,
            ),
            error(400, "invalid", "Invalid input.", "Bad.", Some("/data")),
            parameter_error("page[size]", "Too big."),
            not_found("/api/nothing"),
        ] {
            let bytes = actix_web::body::to_bytes(refusal.into_body())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"));
            let checked = schemas.check(CLIENT_ERROR, &value);
            assert!(checked.is_ok(), "{value}: {checked:?}");
        }
    }
}
