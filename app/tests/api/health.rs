use app::ServeOptions;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{BACKGROUND_WORK, json, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;

    let response = app.healthz().await;

    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["status"], "ok");
}

#[tokio::test]
async fn readyz_turns_green_once_the_in_process_worker_beats() {
    let app = spawn_app().await;

    app.wait_until_ready(BACKGROUND_WORK).await;
    let body = json(app.readyz().await).await;

    assert_eq!(body["status"], "ready");
    for check in ["database", "migrations", "worker"] {
        assert_eq!(body["checks"][check]["ok"], true, "{check}: {body}");
    }
}

#[tokio::test]
async fn readyz_is_unavailable_when_no_worker_runs() {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |_| {}).await;

    let response = app.readyz().await;

    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body = json(response).await;
    assert_eq!(body["error"], "unavailable");
    assert_eq!(body["checks"]["worker"]["ok"], false);
    assert_eq!(body["checks"]["database"]["ok"], true);
    assert!(body["message"].as_str().unwrap().contains("worker"));
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = spawn_app().await;
    app.healthz().await;
    app.healthz().await;

    let metrics = app.metrics().await;

    let line = metrics
        .lines()
        .find(|line| {
            line.starts_with("http_requests_total")
                && line.contains("route=\"/healthz\"")
                && line.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no healthz counter in:\n{metrics}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 2.0, "{line}");
    assert!(metrics.contains("http_request_duration_seconds"));
}

#[tokio::test]
async fn junk_methods_share_one_metrics_series() {
    let app = spawn_app().await;
    for i in 0..30 {
        let method = reqwest::Method::from_bytes(format!("JUNK{i}").as_bytes()).unwrap();
        app.client
            .request(method, format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap();
    }

    let metrics = app.metrics().await;

    let series: Vec<&str> = metrics
        .lines()
        .filter(|line| line.starts_with("http_requests_total"))
        .collect();
    assert!(
        series.iter().all(|line| !line.contains("JUNK")),
        "{series:?}"
    );
    assert!(
        series.iter().any(|line| line.contains("method=\"other\"")),
        "{series:?}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;

    let first = app.healthz().await;
    let second = app.get("/no-such-page").await;

    let id = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    let (a, b) = (id(&first), id(&second));
    assert_eq!(a.len(), 36, "{a}");
    assert_ne!(a, b);
}

#[tokio::test]
async fn stopping_the_app_stops_its_workers_and_clears_their_heartbeat() {
    let app = spawn_app().await;
    app.wait_until_ready(BACKGROUND_WORK).await;

    app.stop().await;

    let cleared = crate::helpers::eventually(crate::helpers::BACKGROUND_WORK, || async {
        entity::worker_heartbeat::Entity::find()
            .count(&app.db.conn)
            .await
            .unwrap()
            == 0
    })
    .await;
    assert!(cleared, "heartbeat row left behind after shutdown");
}

#[tokio::test]
async fn readiness_checks_the_migrations_once_and_writes_nothing_after() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    app.wait_until_ready(BACKGROUND_WORK).await;

    // Were a probe to ask sea-orm again, it would recreate this table and find every
    // migration pending.
    app.db
        .conn
        .execute_unprepared("DROP TABLE seaql_migrations")
        .await
        .unwrap();
    let response = app.readyz().await;

    assert_eq!(response.status(), 200);
    let tables = app
        .db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.conn.get_database_backend(),
            match app.db.backend() {
                common::Backend::Sqlite => {
                    "SELECT name FROM sqlite_master WHERE name = 'seaql_migrations'"
                }
                common::Backend::Postgres => {
                    "SELECT tablename FROM pg_tables WHERE tablename = 'seaql_migrations'"
                }
            },
        ))
        .await
        .unwrap();
    assert!(tables.is_empty(), "a probe created the migrations table");
}

/// Writes a fresh heartbeat for worker process `name` with the queues it reports down.
async fn beat(app: &crate::helpers::TestApp, name: &str, down: &[&str]) {
    use sea_orm::Set;
    let now = chrono::Utc::now();
    entity::worker_heartbeat::Entity::insert(entity::worker_heartbeat::ActiveModel {
        worker_name: Set(name.into()),
        started_at: Set(now),
        last_seen_at: Set(now),
        down_queues: Set(Some(serde_json::json!(down))),
    })
    .exec(&app.db.conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn readyz_fails_while_a_queue_has_no_running_worker_in_any_live_process() {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |_| {}).await;
    beat(&app, "first", &["process_webhook", "train_models"]).await;

    let response = app.readyz().await;
    assert_eq!(response.status(), 503);
    let body = json(response).await;
    let detail = body["checks"]["worker"]["detail"].as_str().unwrap();
    assert!(detail.contains("process_webhook, train_models"), "{body}");

    // Another live process runs process_webhook: only train_models is dead.
    beat(&app, "second", &["train_models"]).await;
    let body = json(app.readyz().await).await;
    let detail = body["checks"]["worker"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("train_models") && !detail.contains("process_webhook"),
        "{body}"
    );

    beat(&app, "third", &[]).await;
    assert_eq!(app.readyz().await.status(), 200);
}
