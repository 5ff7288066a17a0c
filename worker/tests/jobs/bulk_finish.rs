//! The `bulk_operations/finish` webhook ends the wait for a bulk operation early.

use std::time::{Duration, Instant};

use chrono::Utc;
use entity::{product, webhook_receipt};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::json;
use services::sync::full::{self, Mode, SyncOptions};
use shopify::fake_admin::FakeAdmin;

use crate::full_sync::{DOMAIN, quick, rig};

/// The quick test options, but polling every `poll` for at most `max_wait`.
fn polling_every(poll: Duration, max_wait: Duration) -> SyncOptions {
    SyncOptions {
        poll_interval: poll,
        max_poll_interval: poll,
        max_wait,
        ..quick()
    }
}

/// Plays Shopify: completes every running operation and delivers its finish webhook (stored
/// as the app's `POST /webhooks` stores it), then returns the operations it finished.
async fn finish_and_notify(admin: &FakeAdmin, db: &DatabaseConnection) -> Vec<String> {
    let running = admin.running_operations();
    if running.is_empty() {
        return running;
    }
    admin.complete_all();
    for id in &running {
        store_finish(db, id).await;
    }
    running
}

/// Stores a `bulk_operations/finish` receipt for operation `id`.
async fn store_finish(db: &DatabaseConnection, id: &str) {
    webhook_receipt::ActiveModel {
        webhook_id: Set(format!("finish-{id}")),
        shop_id: Set(None),
        shop_domain: Set(DOMAIN.into()),
        topic: Set("bulk_operations/finish".into()),
        payload: Set(json!({"admin_graphql_api_id": id, "status": "completed"})),
        received_at: Set(Utc::now()),
        queued_at: Set(Some(Utc::now())),
        processed_at: Set(None),
        outcome: Set(None),
        reason: Set(None),
    }
    .insert(db)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_finish_webhook_ends_the_wait_long_before_the_next_poll() {
    let rig = rig().await;
    rig.admin.hold_operations();
    // Polls a minute apart: without the webhook each phase would wait at least a minute.
    let poll = Duration::from_secs(60);
    let options = polling_every(poll, Duration::from_secs(600));
    let (admin, conn) = (rig.admin.clone(), rig.db.conn.clone());
    let shopify = tokio::spawn(async move {
        let mut finished = Vec::new();
        while finished.len() < 3 {
            finished.extend(finish_and_notify(&admin, &conn).await);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        finished
    });
    let started = Instant::now();

    let report = rig.sync_with(Mode::Full, options).await.unwrap();

    let elapsed = started.elapsed();
    let finished = shopify.await.unwrap();
    assert_eq!(report.phases.len(), 3);
    assert_eq!(
        finished.len(),
        3,
        "every operation ended by the webhook: {finished:?}"
    );
    assert!(
        elapsed < poll / 4,
        "three phases took {elapsed:?}; the wait did not end on the webhook"
    );
    assert_eq!(rig.count::<product::Entity>().await, 2);
    assert!(rig.runs().await.iter().all(|r| r.status == "succeeded"));
}

#[tokio::test]
async fn a_finish_webhook_for_another_operation_does_not_end_the_wait() {
    let rig = rig().await;
    rig.admin.hold_operations();
    let poll = Duration::from_millis(1_500);
    let options = polling_every(poll, Duration::from_secs(2));
    // Shopify announces some other operation's finish while ours runs.
    let (admin, conn) = (rig.admin.clone(), rig.db.conn.clone());
    let other = tokio::spawn(async move {
        while admin.running_operations().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        store_finish(&conn, "gid://shopify/BulkOperation/99").await;
    });
    let result = rig.sync_with(Mode::Full, options).await;

    assert!(
        matches!(result, Err(full::FullSyncError::StillRunning(_))),
        "{result:?}"
    );
    other.await.unwrap();
    assert_eq!(rig.count::<product::Entity>().await, 0);
}
