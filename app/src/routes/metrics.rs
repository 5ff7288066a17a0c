//! `GET /metrics`: Prometheus exposition.

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// Renders every metric recorded by this process.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
