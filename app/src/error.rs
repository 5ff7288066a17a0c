//! The HTTP layer's one error type: a kind (sent as `"error"`), a message (sent), and a cause
//! (logged, never sent).

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use common::telemetry::Chain;
use serde::Serialize;

/// Machine-readable error codes, serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Malformed or invalid input.
    BadRequest,
    /// Missing or wrong credentials or signature.
    Unauthorized,
    /// Authenticated but not allowed.
    Forbidden,
    /// No such resource or route.
    NotFound,
    /// Route exists, method does not.
    MethodNotAllowed,
    /// Body larger than the configured limit.
    PayloadTooLarge,
    /// Body is not in a content type the route accepts.
    UnsupportedMediaType,
    /// The resource changed since the client read it (a stale version).
    Conflict,
    /// Fields of a well-formed body failed validation (the body names each one).
    InvalidFields,
    /// An OAuth callback's `state` was never issued (or not for this shop).
    StateUnknown,
    /// An OAuth callback's `state` was already used (a replay).
    StateUsed,
    /// An OAuth callback's `state` lapsed.
    StateExpired,
    /// Too many requests.
    RateLimited,
    /// A dependency (database, worker) is not ready.
    Unavailable,
    /// Anything unexpected; details only in the log.
    Internal,
}

impl ErrorKind {
    /// The HTTP status for this kind.
    #[must_use]
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::StateUnknown | Self::StateUsed | Self::StateExpired => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Conflict => StatusCode::CONFLICT,
            Self::InvalidFields => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The kind that best describes a bare HTTP status (for errors raised by actix itself).
    #[must_use]
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            429 => Self::RateLimited,
            503 => Self::Unavailable,
            400..=499 => Self::BadRequest,
            _ => Self::Internal,
        }
    }
}

type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error answered as `{"error": kind, "message": message}` with the kind's status.
#[derive(Debug)]
pub struct ApiError {
    kind: ErrorKind,
    message: String,
    cause: Option<Cause>,
    fields: Option<serde_json::Value>,
}

/// The JSON body of every 4xx/5xx answer.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    /// Machine-readable code.
    pub error: ErrorKind,
    /// Human-readable explanation, safe to show.
    pub message: &'a str,
    /// Per-field problems (`[{"field", "message"}]`), when the error has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<&'a serde_json::Value>,
}

impl ApiError {
    /// An error of `kind` with a message safe to send to the client.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            cause: None,
            fields: None,
        }
    }

    /// Attaches per-field problems, sent as `"fields"`.
    #[must_use]
    pub fn with_fields(mut self, fields: &impl Serialize) -> Self {
        self.fields = serde_json::to_value(fields).ok();
        self
    }

    /// An unexpected failure: the client sees a generic message, the log sees `cause`.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self {
            kind: ErrorKind::Internal,
            message: "internal error".into(),
            cause: Some(cause.into()),
            fields: None,
        }
    }

    /// Attaches the underlying cause, for the log.
    #[must_use]
    pub fn with_cause(mut self, cause: impl Into<Cause>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message sent to the client.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        match err {
            sea_orm::DbErr::RecordNotFound(what) => {
                Self::new(ErrorKind::NotFound, format!("{what} not found"))
            }
            other => Self::internal(other),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, cause = %cause_chain(self.cause.as_deref()), "request failed");
        } else {
            tracing::info!(error = %self, cause = %cause_chain(self.cause.as_deref()), "request rejected");
        }
        error_body(status, self.kind, &self.message, self.fields.as_ref())
    }
}

/// Builds the JSON error response (also used for errors actix raises itself).
#[must_use]
pub fn json_error(status: StatusCode, kind: ErrorKind, message: &str) -> HttpResponse {
    error_body(status, kind, message, None)
}

fn error_body(
    status: StatusCode,
    kind: ErrorKind,
    message: &str,
    fields: Option<&serde_json::Value>,
) -> HttpResponse {
    let mut response = HttpResponse::build(status).json(ErrorBody {
        error: kind,
        message,
        fields,
    });
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

fn cause_chain(cause: Option<&(dyn std::error::Error + Send + Sync + 'static)>) -> String {
    cause.map_or_else(String::new, |cause| Chain(cause).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    #[actix_web::test]
    async fn internal_errors_hide_their_cause() {
        let err = ApiError::internal(std::io::Error::other("disk on fire at /secret/path"));
        let response = err.error_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = to_bytes(response.into_body()).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "internal");
        assert!(!String::from_utf8_lossy(&body).contains("secret"));
    }

    #[test]
    fn record_not_found_maps_to_404() {
        let err: ApiError = sea_orm::DbErr::RecordNotFound("shop".into()).into();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.status_code(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn bare_statuses_map_to_kinds() {
        assert_eq!(
            ErrorKind::from_status(StatusCode::PAYLOAD_TOO_LARGE),
            ErrorKind::PayloadTooLarge
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::IM_A_TEAPOT),
            ErrorKind::BadRequest
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::BAD_GATEWAY),
            ErrorKind::Internal
        );
    }
}
