//! Request spans without secrets: the root span of every request names its method, route,
//! target, status and request id like `tracing-actix-web`'s default, but the target's query
//! carries no credential (an OAuth `code`, a session `id_token`, signatures, `state`), so a log
//! line written inside a request never leaks one.

use actix_web::Error;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// Query parameters whose values never reach a log line.
const SECRET_PARAMS: [&str; 8] = [
    "code",
    "id_token",
    "hmac",
    "signature",
    "state",
    "session",
    "token",
    "key",
];

/// The root span builder of the app's `TracingLogger`.
#[derive(Debug, Clone, Copy)]
pub struct RedactingRootSpan;

impl RootSpanBuilder for RedactingRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_owned());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %redacted_target(request.path(), request.query_string()),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// `path?query` with the value of every secret parameter replaced by `[redacted]`.
#[must_use]
pub fn redacted_target(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}=[redacted]"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

fn is_secret(name: &str) -> bool {
    SECRET_PARAMS
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
}

#[cfg(test)]
mod tests {
    use super::redacted_target;

    #[test]
    fn credentials_in_the_query_are_redacted_and_the_rest_kept() {
        let target = redacted_target(
            "/auth/callback",
            "code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2d&shop=a.myshopify.com&state=n0nce&timestamp=1",
        );
        assert_eq!(
            target,
            "/auth/callback?code=[redacted]&hmac=[redacted]&shop=a.myshopify.com&state=[redacted]&timestamp=1"
        );
        assert_eq!(
            redacted_target("/admin", "id_token=eyJ.a.b"),
            "/admin?id_token=[redacted]"
        );
        assert_eq!(redacted_target("/healthz", ""), "/healthz");
    }
}
