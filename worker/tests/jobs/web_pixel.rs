//! `connect_web_pixel` against the fake Admin API: queued at install, creates the shop's web
//! pixel with the settings the extension declares, updates it when run again, and reports
//! Shopify's user errors as permanent failures.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entity::{ShopDomain, job_run, shop};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use services::shop_tokens;
use shopify::fake_admin::Fault;
use worker::jobs::ConnectWebPixel;
use worker::{Job as _, JobContext, JobError, JobQueue, WorkerPool};

use crate::full_sync::{DOMAIN, Rig, rig};
use crate::{jobs_with_status, quick_workers, wait_for};

const PUBLIC_URL: &str = "https://meander.test";

fn context(rig: &Rig, public_url: Option<&str>) -> JobContext {
    JobContext::new(rig.db.clone())
        .with_shopify(Some(Arc::clone(&rig.app)))
        .with_public_url(public_url.map(str::to_owned))
}

async fn ingest_key(rig: &Rig, shop_id: i64) -> String {
    let shop = shop::Entity::find_by_id(shop_id).one(&rig.db.conn).await;
    shop.unwrap().unwrap().ingest_key
}

/// The settings the extension's toml declares, with this shop's values.
async fn expected_settings(rig: &Rig, shop_id: i64, domain: &str, endpoint: &str) -> Value {
    json!({
        "endpoint": endpoint,
        "shopDomain": domain,
        "ingestKey": ingest_key(rig, shop_id).await,
    })
}

fn mutations(rig: &Rig) -> Vec<(&'static str, bool)> {
    let received = rig.admin.web_pixel_mutations();
    received.iter().map(|m| (m.mutation, m.applied)).collect()
}

/// A second shop installed by token exchange, with the job queue, as `/auth/token` does.
async fn install(rig: &Rig, queue: &JobQueue, domain: &str) -> shop::Model {
    let domain = ShopDomain::parse(domain).unwrap();
    let now = Utc::now();
    let session = rig.shopify.session_token(&domain, now.timestamp());
    let tokens = &rig.app.tokens;
    let token = tokens.exchange_session_token(&domain, &session).await;
    let stored = shop_tokens::store_token(&rig.db.conn, &rig.app, &domain, &token.unwrap(), now)
        .await
        .unwrap();
    worker::enqueue::after_token_stored(queue, &rig.app, &stored).await;
    stored.shop
}

#[tokio::test]
async fn installing_a_shop_queues_the_job_that_creates_its_pixel_with_its_settings() {
    let rig = rig().await;
    let queue = JobQueue::new(&rig.db).await.unwrap();
    let domain = "pixel-shop.myshopify.com";

    let installed = install(&rig, &queue, domain).await;
    let pending = jobs_with_status(&rig.db, ConnectWebPixel::NAME, "Pending").await;
    let pool = WorkerPool::start(&queue, context(&rig, Some(PUBLIC_URL)), &quick_workers());
    let done = wait_for(crate::BACKGROUND_WORK, async || {
        jobs_with_status(&rig.db, ConnectWebPixel::NAME, "Done").await == 1
    })
    .await;
    pool.shutdown(Duration::from_secs(5)).await;

    assert_eq!(pending, 1, "the install queues the connection once");
    assert!(done, "the queued connection never completed");
    let expected = expected_settings(&rig, installed.id, domain, "https://meander.test/events");
    assert_eq!(rig.admin.web_pixel_settings(domain), Some(expected.await));
    assert_eq!(mutations(&rig), [("webPixelCreate", true)]);
}

#[tokio::test]
async fn running_again_updates_the_existing_pixel_instead_of_creating_another() {
    let rig = rig().await;
    let job = ConnectWebPixel::now(rig.shop_id);
    job.clone()
        .run(context(&rig, Some(PUBLIC_URL)))
        .await
        .unwrap();

    // A retry, a re-install, or the app moved to a new URL (trailing slash and all).
    let moved = context(&rig, Some("https://new.meander.test/"));
    job.run(moved).await.unwrap();

    assert_eq!(
        mutations(&rig),
        [("webPixelCreate", true), ("webPixelUpdate", true)]
    );
    let endpoint = "https://new.meander.test/events";
    let expected = expected_settings(&rig, rig.shop_id, DOMAIN, endpoint).await;
    assert_eq!(rig.admin.web_pixel_settings(DOMAIN), Some(expected));
    let runs = job_run::Entity::find()
        .filter(job_run::Column::Job.eq(ConnectWebPixel::NAME))
        .all(&rig.db.conn)
        .await
        .unwrap();
    let details: Vec<_> = runs.iter().filter_map(|r| r.detail.clone()).collect();
    assert_eq!(
        details,
        [
            "web pixel gid://shopify/WebPixel/1 created",
            "web pixel gid://shopify/WebPixel/1 updated"
        ]
    );
}

#[tokio::test]
async fn a_user_error_fails_the_job_permanently_with_shopify_s_code_and_message() {
    let rig = rig().await;
    let message =
        "The provided settings does not match the expected settings definition on the app.";
    rig.admin
        .reject_next_web_pixel_mutation("INVALID_SETTINGS", &["settings"], message);

    let outcome = ConnectWebPixel::now(rig.shop_id)
        .run(context(&rig, Some(PUBLIC_URL)))
        .await;

    let Err(JobError::Permanent(reason)) = outcome else {
        panic!("expected a permanent failure, got {outcome:?}");
    };
    let reason = format!("{reason:#}");
    assert_eq!(
        reason,
        format!(
            "cannot connect the web pixel: webPixelCreate refused: INVALID_SETTINGS on settings: {message}"
        )
    );
    assert!(!reason.contains(&ingest_key(&rig, rig.shop_id).await));
    assert_eq!(rig.admin.web_pixel_settings(DOMAIN), None);
    let run = job_run::Entity::find()
        .filter(job_run::Column::Job.eq(ConnectWebPixel::NAME))
        .one(&rig.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (run.status.as_str(), run.error),
        ("failed", Some(reason.clone()))
    );
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_by_the_client() {
    let rig = rig().await;
    rig.admin.fail_next(&Fault::Throttled, 1);
    rig.admin.fail_next(&Fault::Status(503), 1);

    ConnectWebPixel::now(rig.shop_id)
        .run(context(&rig, Some(PUBLIC_URL)))
        .await
        .unwrap();

    // The lookup answered THROTTLED, then 503, then "no pixel"; then one create.
    assert_eq!(rig.admin.requests(), 4);
    assert_eq!(mutations(&rig), [("webPixelCreate", true)]);
    assert!(rig.admin.web_pixel_settings(DOMAIN).is_some());
}

#[tokio::test]
async fn without_a_public_url_the_job_fails_permanently_before_calling_shopify() {
    let rig = rig().await;

    let outcome = ConnectWebPixel::now(rig.shop_id)
        .run(context(&rig, None))
        .await;

    assert!(
        matches!(&outcome, Err(JobError::Permanent(reason)) if reason.to_string().contains("server.public_url")),
        "{outcome:?}"
    );
    assert_eq!(rig.admin.requests(), 0);
}
