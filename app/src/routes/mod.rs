//! HTTP routes, one module per area.

pub mod demo;
pub mod health;
pub mod metrics;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{ApiError, ErrorKind};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/demo", web::get().to(demo::overview));
}

/// The answer for paths no route matches.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorKind::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    ))
}
