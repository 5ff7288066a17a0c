//! `GET /healthz` (the process answers) and `GET /readyz` (it can do useful work).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::Utc;
use common::telemetry::Chain;
use entity::worker_heartbeat;
use sea_orm::{EntityTrait, QueryOrder};
use serde::Serialize;

use crate::error::ErrorKind;
use crate::state::AppState;

/// Liveness: answers as long as the HTTP server runs.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Result of one readiness check.
#[derive(Debug, Serialize)]
struct Check {
    ok: bool,
    detail: String,
}

impl Check {
    fn pass(detail: impl Into<String>) -> Self {
        Self {
            ok: true,
            detail: detail.into(),
        }
    }
    fn fail(detail: impl Into<String>) -> Self {
        Self {
            ok: false,
            detail: detail.into(),
        }
    }
}

/// Readiness: the database answers, every migration is applied, and some worker sent a
/// heartbeat recently (in this process or another one).
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checks = BTreeMap::from([
        ("database", database_check(&state).await),
        ("migrations", migrations_check(&state).await),
        ("worker", worker_check(&state).await),
    ]);
    let failing: Vec<&str> = checks
        .iter()
        .filter(|(_, check)| !check.ok)
        .map(|(name, _)| *name)
        .collect();
    if failing.is_empty() {
        return HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "checks": checks }));
    }
    tracing::warn!(?failing, "not ready");
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE)
        .insert_header(("retry-after", "5"))
        .json(serde_json::json!({
            "error": ErrorKind::Unavailable,
            "message": format!("not ready: {}", failing.join(", ")),
            "checks": checks,
        }))
}

async fn database_check(state: &AppState) -> Check {
    match state.db.conn.ping().await {
        Ok(()) => Check::pass(format!("{:?} reachable", state.db.backend())),
        Err(err) => Check::fail(format!("unreachable: {err}")),
    }
}

async fn migrations_check(state: &AppState) -> Check {
    if state.migrations_applied.load(Ordering::Relaxed) {
        return Check::pass("all applied");
    }
    match state.db.pending_migrations().await {
        Ok(0) => {
            state.migrations_applied.store(true, Ordering::Relaxed);
            Check::pass("all applied")
        }
        Ok(pending) => Check::fail(format!("{pending} pending; run `app migrate`")),
        Err(err) => Check::fail(Chain(&err).to_string()),
    }
}

async fn worker_check(state: &AppState) -> Check {
    let latest = worker_heartbeat::Entity::find()
        .order_by_desc(worker_heartbeat::Column::LastSeenAt)
        .one(&state.db.conn)
        .await;
    let stale_after = state.settings.worker.heartbeat_stale_after_secs;
    match latest {
        Ok(Some(beat)) => {
            let age = (Utc::now() - beat.last_seen_at).num_seconds();
            let detail = format!("{} seen {age}s ago", beat.worker_name);
            if u64::try_from(age).unwrap_or(0) <= stale_after {
                Check::pass(detail)
            } else {
                Check::fail(format!("stale: {detail}"))
            }
        }
        Ok(None) => Check::fail("no worker has started"),
        Err(err) => Check::fail(format!("cannot read heartbeats: {err}")),
    }
}
