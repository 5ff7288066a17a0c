//! Webhook receipts reach the queue after the ack: every stored receipt gets exactly one
//! `process_webhook` job, however many worker processes queue at once and whatever a crash
//! left half done.

use chrono::Utc;
use common::Database;
use entity::{ShopDomain, webhook_receipt};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use services::receipts::{self, Delivery};
use worker::JobQueue;
use worker::jobs::ProcessWebhook;
use worker::receipts::queue_new;

use crate::jobs_with_status;

/// Stores `count` deliveries `hook-0…` for one shop; returns how many were first deliveries.
async fn store(db: &Database, count: usize) -> usize {
    let shop: ShopDomain = "hooks.myshopify.com".parse().unwrap();
    let mut first = 0;
    for index in 0..count {
        let delivery = Delivery {
            webhook_id: &format!("hook-{index}"),
            shop: &shop,
            topic: "products/update",
            payload: json!({ "id": index }),
            received_at: Utc::now(),
        };
        first += usize::from(receipts::store(&db.conn, delivery).await.unwrap());
    }
    first
}

async fn unqueued(db: &Database) -> u64 {
    webhook_receipt::Entity::find()
        .filter(webhook_receipt::Column::QueuedAt.is_null())
        .count(&db.conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stored_receipt_is_queued_once_and_a_redelivery_is_stored_once() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "hooks.myshopify.com", "USD").await;
    let queue = JobQueue::new(&db).await.unwrap();

    assert_eq!(store(&db, 3).await, 3);
    assert_eq!(store(&db, 3).await, 0, "redeliveries are not stored again");
    let stored = webhook_receipt::Entity::find_by_id("hook-1")
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.shop_id,
        Some(shop.id),
        "the insert looks the shop up"
    );
    assert_eq!(stored.payload, json!({ "id": 1 }));
    assert_eq!(jobs_with_status(&db, "process_webhook", "Pending").await, 0);

    assert_eq!(queue_new(&db, &queue).await.unwrap(), 3);
    assert_eq!(jobs_with_status(&db, "process_webhook", "Pending").await, 3);
    assert_eq!(unqueued(&db).await, 0);
    assert_eq!(queue_new(&db, &queue).await.unwrap(), 0);
    assert_eq!(jobs_with_status(&db, "process_webhook", "Pending").await, 3);
}

#[tokio::test]
async fn a_receipt_whose_job_was_written_before_a_crash_gets_no_second_job() {
    let (_guard, db) = crate::fixtures::database().await;
    let queue = JobQueue::new(&db).await.unwrap();
    store(&db, 4).await;
    // A process wrote this job and died before marking its receipt queued.
    queue
        .push(ProcessWebhook {
            webhook_id: "hook-2".into(),
        })
        .await
        .unwrap();

    assert_eq!(queue_new(&db, &queue).await.unwrap(), 4);
    assert_eq!(jobs_with_status(&db, "process_webhook", "Pending").await, 4);
    assert_eq!(unqueued(&db).await, 0);
}

#[tokio::test]
async fn two_processes_queueing_at_once_queue_every_receipt_once() {
    let (_guard, db) = crate::fixtures::database().await;
    let queue = JobQueue::new(&db).await.unwrap();
    let receipts = 1_200;
    store(&db, receipts).await;

    let drain = |db: Database, queue: JobQueue| async move {
        while queue_new(&db, &queue).await.unwrap() > 0 {}
    };
    let (first, second) = tokio::join!(
        tokio::spawn(drain(db.clone(), queue.clone())),
        tokio::spawn(drain(db.clone(), queue.clone())),
    );
    first.unwrap();
    second.unwrap();

    assert_eq!(unqueued(&db).await, 0);
    assert_eq!(
        jobs_with_status(&db, "process_webhook", "Pending").await,
        i64::try_from(receipts).unwrap()
    );
}
