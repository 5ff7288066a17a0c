//! Cross-cutting HTTP behaviour: JSON error bodies for errors actix raises itself (HTML error
//! pages on the demo shop's pages), request ids on every response, and Prometheus request
//! metrics.

use std::time::Instant;

use actix_web::Error;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next};
use tracing_actix_web::RequestId;

use crate::error::{ApiError, ErrorKind, json_error};
use crate::routes::demo;

/// Header carrying the request id back to the client, to quote in support requests.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Rewrites every 4xx/5xx that is not JSON yet (404 from routing, 413 from the body limit,
/// 400 from extractors…) into the `{"error", "message"}` body; on the demo shop's HTML pages
/// every 4xx/5xx becomes an HTML error page instead, since a person reads those. An HTML
/// page a handler wrote itself is left as it is.
pub fn json_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(ensure_json_body)
}

fn ensure_json_body<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let is_json = content_type.starts_with("application/json");
    // A page a handler wrote for a person (the admin's "open it from Shopify" page) is
    // already what its reader needs.
    let written_page = content_type.starts_with("text/html") && res.response().error().is_none();
    let page = demo::is_page(res.request().path());
    if (is_json && !page) || written_page {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    // actix keeps the error that produced the response; its text is safe (extractor messages,
    // an `ApiError`'s message).
    let message = res.response().error().map_or_else(
        || status.canonical_reason().unwrap_or("error").to_owned(),
        |err| {
            err.as_error::<ApiError>()
                .map_or_else(|| err.to_string(), |api| api.message().to_owned())
        },
    );
    let (req, old) = res.into_parts();
    let mut new = if page {
        demo::error_page(status, &message)
    } else {
        json_error(status, ErrorKind::from_status(status), &message)
    };
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res = ServiceResponse::new(req, new)
        .map_into_boxed_body()
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Copies the request id `TracingLogger` assigned into the `x-request-id` response header.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req.extensions().get::<RequestId>().map(ToString::to_string);
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(res)
}

/// The `method` label: the standard methods by name, anything else as `other`, so junk
/// methods cannot grow the number of series without bound.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 7] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("other", Method::as_str)
}

/// Counts requests and records their latency by route pattern (not raw path, which would
/// explode the label set).
pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}
