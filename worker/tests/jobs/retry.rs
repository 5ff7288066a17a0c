//! Failed jobs wait for their retry in the queue, not in a worker's concurrency slot: one
//! shop's failing job does not hold up another shop's job of the same queue, the retry runs
//! once the backoff has passed, and a job stops after its last attempt.
//!
//! The failing job is a token refresh while the token endpoint refuses connections (a
//! transport error, so transient); a shop whose token is still fresh has nothing to refresh,
//! so its job of the same queue succeeds without calling out.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use common::Database;
use common::settings::WorkerSettings;
use entity::{ShopDomain, shop};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set, Statement};
use services::shop_auth::ShopifyApp;
use services::shop_tokens;
use shopify::{ShopUrls, TokenClient};
use worker::jobs::RefreshShopToken;
use worker::{Job as _, JobContext, JobQueue, WorkerPool};

use crate::full_sync::{Rig, rig};
use crate::{jobs_with_status, quick_workers, wait_for};

const OTHER_DOMAIN: &str = "other-shop.myshopify.com";

/// The rig's app, except that every shop's token endpoint refuses connections.
fn unreachable_token_endpoint(rig: &Rig) -> JobContext {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let urls = ShopUrls::new(&format!("http://127.0.0.1:{port}/shops/{{shop}}"));
    let credentials = rig.app.credentials.clone();
    let tokens = TokenClient::new(credentials.clone(), urls, Duration::from_secs(5)).unwrap();
    let app = ShopifyApp {
        settings: rig.app.settings.clone(),
        credentials,
        cipher: rig.app.cipher.clone(),
        tokens,
        urls: rig.app.urls.clone(),
    };
    JobContext::new(rig.db.clone()).with_shopify(Some(Arc::new(app)))
}

/// A second installed shop, its token fresh.
async fn install_other_shop(rig: &Rig) -> i64 {
    let domain = ShopDomain::parse(OTHER_DOMAIN).unwrap();
    let now = Utc::now();
    let session = rig.shopify.session_token(&domain, now.timestamp());
    let tokens = &rig.app.tokens;
    let token = tokens
        .exchange_session_token(&domain, &session)
        .await
        .unwrap();
    let db = &rig.db.conn;
    let stored = shop_tokens::store_token(db, &rig.app, &domain, &token, now);
    stored.await.unwrap().shop.id
}

/// Sets when a shop's access token expires: once due, its refresh job calls the token
/// endpoint; an hour away, the job has nothing to do.
async fn token_expires(db: &Database, shop_id: i64, at: DateTime<Utc>) {
    shop::ActiveModel {
        id: Set(shop_id),
        access_token_expires_at: Set(Some(at)),
        ..Default::default()
    }
    .update(&db.conn)
    .await
    .unwrap();
}

fn refresh(shop_id: i64) -> RefreshShopToken {
    RefreshShopToken {
        shop_id,
        expires_at: Utc::now().timestamp(),
    }
}

fn workers(concurrency: usize, backoff_base_ms: u64, backoff_max_secs: u64) -> WorkerSettings {
    WorkerSettings {
        concurrency,
        retry_backoff_base_ms: backoff_base_ms,
        retry_backoff_max_secs: backoff_max_secs,
        ..quick_workers()
    }
}

/// A refresh job's row in the queue.
#[derive(Debug, PartialEq, Eq)]
struct QueuedJob {
    status: String,
    attempts: i64,
    /// Unix seconds.
    run_at: i64,
}

async fn refresh_jobs(db: &Database) -> Vec<QueuedJob> {
    let sql = match db.backend() {
        common::Backend::Sqlite => {
            "SELECT status, attempts, run_at FROM Jobs WHERE job_type = ? ORDER BY status"
        }
        common::Backend::Postgres => {
            "SELECT status, attempts::BIGINT AS attempts, \
             EXTRACT(EPOCH FROM run_at)::BIGINT AS run_at \
             FROM apalis.jobs WHERE job_type = $1 ORDER BY status"
        }
    };
    let statement = Statement::from_sql_and_values(
        db.conn.get_database_backend(),
        sql,
        [RefreshShopToken::NAME.into()],
    );
    let rows = db.conn.query_all_raw(statement).await.unwrap();
    rows.iter()
        .map(|row| QueuedJob {
            status: row.try_get("", "status").unwrap(),
            attempts: row.try_get("", "attempts").unwrap(),
            run_at: row.try_get("", "run_at").unwrap(),
        })
        .collect()
}

async fn count(db: &Database, status: &str) -> i64 {
    jobs_with_status(db, RefreshShopToken::NAME, status).await
}

#[tokio::test]
async fn a_job_waiting_to_retry_does_not_hold_up_another_shop_s_job_of_its_queue() {
    let rig = rig().await;
    let other_shop = install_other_shop(&rig).await;
    token_expires(&rig.db, rig.shop_id, Utc::now()).await;
    let queue = JobQueue::new(&rig.db).await.unwrap();
    // The failing shop's job is due first, so the single slot takes it first.
    let earlier = Utc::now() - TimeDelta::minutes(1);
    queue.push_at(refresh(rig.shop_id), earlier).await.unwrap();
    queue.push(refresh(other_shop)).await.unwrap();

    let started = Utc::now();
    let context = unreachable_token_endpoint(&rig);
    // A backoff far longer than the test's deadline: were the other job stuck behind it,
    // the wait would time out.
    let pool = WorkerPool::start(&queue, context, &workers(1, 600_000, 900));
    let both = wait_for(crate::BACKGROUND_WORK, async || {
        count(&rig.db, "Done").await == 1 && count(&rig.db, "Failed").await == 1
    })
    .await;
    let finished = Utc::now();
    pool.shutdown(Duration::from_secs(5)).await;

    assert!(
        both,
        "the other shop's job waited for the failing one's backoff"
    );
    let jobs = refresh_jobs(&rig.db).await;
    let failed = jobs.iter().find(|job| job.status == "Failed").unwrap();
    assert_eq!(failed.attempts, 1);
    // 600 s less up to a quarter, counted from the failure; whole seconds either side.
    let earliest = started.timestamp() + 450 - 1;
    let latest = finished.timestamp() + 600 + 1;
    assert!(
        (earliest..=latest).contains(&failed.run_at),
        "retry at {} not within [{earliest}, {latest}]",
        failed.run_at
    );
}

#[tokio::test]
async fn a_failed_job_is_retried_from_the_queue_after_its_backoff_and_completes() {
    let rig = rig().await;
    token_expires(&rig.db, rig.shop_id, Utc::now()).await;
    let queue = JobQueue::new(&rig.db).await.unwrap();
    queue.push(refresh(rig.shop_id)).await.unwrap();

    let context = unreachable_token_endpoint(&rig);
    let pool = WorkerPool::start(&queue, context, &workers(2, 8_000, 8));
    let failed = wait_for(crate::BACKGROUND_WORK, async || {
        count(&rig.db, "Failed").await == 1
    })
    .await;
    // During the backoff (at least 6 s, so even a slow machine renews in time) an admin visit
    // renews the token: the retry finds nothing left to do.
    token_expires(&rig.db, rig.shop_id, Utc::now() + TimeDelta::hours(1)).await;
    let done = wait_for(crate::BACKGROUND_WORK, async || {
        count(&rig.db, "Done").await == 1
    })
    .await;
    pool.shutdown(Duration::from_secs(5)).await;

    assert!(failed, "the first attempt never failed");
    assert!(done, "the retry never completed");
    let jobs = refresh_jobs(&rig.db).await;
    let outcomes: Vec<_> = jobs
        .iter()
        .map(|j| (j.status.as_str(), j.attempts))
        .collect();
    assert_eq!(outcomes, [("Done", 2)]);
}

#[tokio::test]
async fn a_job_that_keeps_failing_stops_after_its_last_attempt() {
    let rig = rig().await;
    token_expires(&rig.db, rig.shop_id, Utc::now()).await;
    let queue = JobQueue::new(&rig.db).await.unwrap();
    queue.push(refresh(rig.shop_id)).await.unwrap();
    let last = i64::try_from(RefreshShopToken::MAX_ATTEMPTS).unwrap();

    let context = unreachable_token_endpoint(&rig);
    let pool = WorkerPool::start(&queue, context, &workers(2, 10, 1));
    let exhausted = wait_for(crate::BACKGROUND_WORK, async || {
        refresh_jobs(&rig.db).await.first().map(|job| job.attempts) == Some(last)
    })
    .await;
    // Dozens of polls: none may pick the job up again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    pool.shutdown(Duration::from_secs(5)).await;

    assert!(exhausted, "the job never reached its last attempt");
    let jobs = refresh_jobs(&rig.db).await;
    let outcomes: Vec<_> = jobs
        .iter()
        .map(|j| (j.status.as_str(), j.attempts))
        .collect();
    assert_eq!(outcomes, [("Failed", last)]);
}
