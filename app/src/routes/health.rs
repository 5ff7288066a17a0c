//! `GET /healthz` (the process answers) and `GET /readyz` (it can do useful work).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::Utc;
use common::telemetry::Chain;
use entity::worker_heartbeat;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
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
/// heartbeat recently (in this process or another one), and no queue is down in every
/// worker process that did.
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
    let stale_after = state.settings.worker.heartbeat_stale_after_secs;
    let cutoff = Utc::now() - chrono::Duration::seconds(i64::try_from(stale_after).unwrap_or(0));
    let beats = worker_heartbeat::Entity::find()
        .order_by_desc(worker_heartbeat::Column::LastSeenAt)
        .filter(worker_heartbeat::Column::LastSeenAt.gte(cutoff))
        .all(&state.db.conn)
        .await;
    let beats = match beats {
        Ok(beats) => beats,
        Err(err) => return Check::fail(format!("cannot read heartbeats: {err}")),
    };
    let Some(latest) = beats.first() else {
        return no_fresh_heartbeat(state).await;
    };
    let dead = queues_down_everywhere(&beats);
    if !dead.is_empty() {
        return Check::fail(format!(
            "no running worker for queue {} (restarting after errors)",
            dead.join(", ")
        ));
    }
    let age = (Utc::now() - latest.last_seen_at).num_seconds();
    Check::pass(format!("{} seen {age}s ago", latest.worker_name))
}

/// Why no heartbeat is fresh: no worker ever started, or the latest one is stale.
async fn no_fresh_heartbeat(state: &AppState) -> Check {
    let latest = worker_heartbeat::Entity::find()
        .order_by_desc(worker_heartbeat::Column::LastSeenAt)
        .one(&state.db.conn)
        .await;
    match latest {
        Ok(Some(beat)) => {
            let age = (Utc::now() - beat.last_seen_at).num_seconds();
            Check::fail(format!("stale: {} seen {age}s ago", beat.worker_name))
        }
        Ok(None) => Check::fail("no worker has started"),
        Err(err) => Check::fail(format!("cannot read heartbeats: {err}")),
    }
}

/// The queues that every live worker process reports down: their jobs wait for nobody.
fn queues_down_everywhere(beats: &[worker_heartbeat::Model]) -> Vec<String> {
    let down_in = |beat: &worker_heartbeat::Model| -> BTreeSet<String> {
        beat.down_queues
            .clone()
            .and_then(|queues| serde_json::from_value(queues).ok())
            .unwrap_or_default()
    };
    let mut beats = beats.iter();
    let first = beats.next().map(down_in).unwrap_or_default();
    beats
        .fold(first, |dead, beat| &dead & &down_in(beat))
        .into_iter()
        .collect()
}
