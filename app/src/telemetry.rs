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

/// Query parameters whose values never reach a log line: credentials Shopify sends (an
/// OAuth `code`, `hmac`, `signature`, `state`, `session`) and the
/// customer the app proxy names. Any name ending in one of [`SECRET_SUFFIXES`] counts too.
const SECRET_PARAMS: [&str; 6] = [
    "code",
    "hmac",
    "signature",
    "state",
    "session",
    "logged_in_customer_id",
];

/// Name endings of credentials whatever their prefix (`id_token`, `access_token`, `key`,
/// `api_key`, `client_secret`, `password`…), so a parameter added later is covered.
const SECRET_SUFFIXES: [&str; 4] = ["token", "key", "secret", "password"];

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
            http.target = %RedactedTarget { path: request.path(), query: request.query_string() },
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

/// `path?query` with the value of every secret parameter replaced by `[redacted]`, written
/// straight into the span's field: no copy of each pair.
struct RedactedTarget<'a> {
    path: &'a str,
    query: &'a str,
}

impl std::fmt::Display for RedactedTarget<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path)?;
        for (index, pair) in self
            .query
            .split('&')
            .filter(|_| !self.query.is_empty())
            .enumerate()
        {
            f.write_str(if index == 0 { "?" } else { "&" })?;
            match pair.split_once('=') {
                Some((name, _)) if is_secret(name) => write!(f, "{name}=[redacted]")?,
                _ => f.write_str(pair)?,
            }
        }
        Ok(())
    }
}

fn is_secret(name: &str) -> bool {
    let ends_with = |suffix: &str| {
        name.len()
            .checked_sub(suffix.len())
            .and_then(|start| name.get(start..))
            .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
    };
    SECRET_PARAMS
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
        || SECRET_SUFFIXES.iter().any(|suffix| ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::RedactedTarget;

    fn redacted_target(path: &str, query: &str) -> String {
        RedactedTarget { path, query }.to_string()
    }

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

    #[test]
    fn other_credentials_and_the_proxys_customer_are_redacted_whatever_their_case() {
        let target = redacted_target(
            "/proxy/recs",
            "access_token=shpat_1&api_key=k&Client_Secret=s&ID_TOKEN=t&password=p&logged_in_customer_id=42&surface=pdp&keyword=x",
        );

        assert_eq!(
            target,
            "/proxy/recs?access_token=[redacted]&api_key=[redacted]&Client_Secret=[redacted]&ID_TOKEN=[redacted]&password=[redacted]&logged_in_customer_id=[redacted]&surface=pdp&keyword=x"
        );
    }
}
