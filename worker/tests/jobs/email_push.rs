//! `push_email_lists`: queued once per published list version of a shop with Klaviyo;
//! records its outcome on the account, where the merchant sees it; Klaviyo down is retried,
//! and after a long outage the next hourly version's push delivers everything once.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entity::{klaviyo_account, model, rec_list};
use klaviyo::fake::FakeKlaviyo;
use klaviyo::{Endpoint, PollPolicy, RetryPolicy};
use ranker::{Source, SourceSet};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use services::email::{self, KlaviyoApi};
use services::recs::pools::StoredCandidate;
use worker::jobs::PushEmailLists;
use worker::{Job as _, JobContext, JobError, JobQueue};

use crate::full_sync::{Rig, rig};
use crate::jobs_with_status;

fn api(fake: &FakeKlaviyo) -> KlaviyoApi {
    KlaviyoApi {
        base_url: fake.address.clone(),
        revision: klaviyo::DEFAULT_REVISION.into(),
        timeout_secs: 5,
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay_ms: 10,
            max_delay_ms: 20,
            max_retry_after_secs: 1,
        },
        poll: PollPolicy {
            interval: Duration::from_millis(10),
            max_polls: 50,
        },
        oauth: None,
    }
}

async fn connected(rig: &Rig, fake: &FakeKlaviyo) {
    let key = klaviyo::fake::API_KEY.into();
    email::connect_api_key(&rig.db.conn, &api(fake), &rig.app.cipher, rig.shop_id, &key)
        .await
        .unwrap();
}

async fn publish_one_list(rig: &Rig, version: &str) {
    publish(rig, version, &[4], &json!([])).await;
}

/// Publishes list version `version` with the email list `items` for each of `customers`.
async fn publish(rig: &Rig, version: &str, customers: &[i64], items: &serde_json::Value) {
    let now = Utc::now();
    for customer in customers {
        rec_list::ActiveModel {
            shop_id: Set(rig.shop_id),
            surface: Set("email".into()),
            seed_kind: Set("profile".into()),
            seed_id: Set(format!("customer:{customer}")),
            model_version: Set("v1".into()),
            policy_version: Set("1".into()),
            list_version: Set(version.into()),
            items: Set(items.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&rig.db.conn)
        .await
        .unwrap();
    }
    model::ActiveModel {
        shop_id: Set(rig.shop_id),
        kind: Set("rec_lists".into()),
        version: Set(version.into()),
        status: Set("ready".into()),
        params: Set(json!({})),
        metrics: Set(json!({})),
        started_at: Set(now),
        trained_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
}

async fn account(rig: &Rig) -> klaviyo_account::Model {
    klaviyo_account::Entity::find_by_id(rig.shop_id)
        .one(&rig.db.conn)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_published_version_queues_one_push_only_for_a_shop_with_klaviyo() {
    let rig = rig().await;
    let fake = FakeKlaviyo::start();
    JobQueue::new(&rig.db).await.unwrap();

    PushEmailLists::after_publish(&rig.db, rig.shop_id, "l1").await;
    assert_eq!(
        jobs_with_status(&rig.db, "push_email_lists", "Pending").await,
        0
    );

    connected(&rig, &fake).await;
    PushEmailLists::after_publish(&rig.db, rig.shop_id, "l1").await;
    PushEmailLists::after_publish(&rig.db, rig.shop_id, "l1").await;
    assert_eq!(
        jobs_with_status(&rig.db, "push_email_lists", "Pending").await,
        1
    );
}

#[tokio::test]
async fn klaviyo_down_is_recorded_on_the_account_and_retried_until_the_push_succeeds() {
    let rig = rig().await;
    let fake = FakeKlaviyo::start();
    connected(&rig, &fake).await;
    fake.add_profiles([(Some("four@example.com"), Some("4"))]);
    publish_one_list(&rig, "l1").await;
    let ctx = JobContext::new(rig.db.clone())
        .with_shopify(Some(Arc::clone(&rig.app)))
        .with_klaviyo(api(&fake));
    let job = PushEmailLists {
        shop_id: rig.shop_id,
        list_version: "l1".into(),
    };
    fake.set_down(true);

    let failed = job.clone().run(ctx.clone()).await;

    assert!(matches!(failed, Err(JobError::Transient(_))), "{failed:?}");
    let down = account(&rig).await;
    assert_eq!(down.status, "error");
    assert!(down.last_error.unwrap().contains("unavailable"));

    fake.set_down(false);
    job.run(ctx).await.unwrap();
    let up = account(&rig).await;
    assert_eq!(up.status, "connected");
    assert!(up.last_error.is_none());
    assert!(up.last_synced_at.is_some());
    assert_eq!(up.last_push_counts.unwrap()["imported"], 1);
}

#[tokio::test]
async fn a_revoked_key_stops_the_push_for_good_until_the_merchant_reconnects() {
    let rig = rig().await;
    let fake = FakeKlaviyo::start();
    connected(&rig, &fake).await;
    publish_one_list(&rig, "l1").await;
    fake.add_profiles([(None, Some("4"))]);
    fake.revoke_api_key(klaviyo::fake::API_KEY);
    let ctx = JobContext::new(rig.db.clone())
        .with_shopify(Some(Arc::clone(&rig.app)))
        .with_klaviyo(api(&fake));
    let job = PushEmailLists {
        shop_id: rig.shop_id,
        list_version: "l1".into(),
    };

    let failed = job.clone().run(ctx.clone()).await;

    assert!(matches!(failed, Err(JobError::Permanent(_))), "{failed:?}");
    assert_eq!(account(&rig).await.status, "revoked");
    job.run(ctx).await.unwrap();
    assert!(fake.events().is_empty());
}

#[tokio::test]
async fn after_an_outage_the_next_hourly_version_delivers_every_profile_once() {
    let rig = rig().await;
    let fake = FakeKlaviyo::start();
    connected(&rig, &fake).await;
    for id in 1..=3 {
        crate::fixtures::product(&rig.db, rig.shop_id, id, None, "active").await;
    }
    fake.add_profiles([(None, Some("4")), (None, Some("5")), (None, Some("6"))]);
    let items: Vec<StoredCandidate> = (1..=3)
        .map(|id| StoredCandidate {
            id,
            relevance: 1.0 - id as f32 / 10.0,
            sources: SourceSet::default(),
            primary: Source::Popularity,
            via: None,
        })
        .collect();
    let items = json!(items);
    publish(&rig, "l1", &[4, 5, 6], &items).await;
    let ctx = JobContext::new(rig.db.clone())
        .with_shopify(Some(Arc::clone(&rig.app)))
        .with_klaviyo(api(&fake));
    let push = |version: &str| PushEmailLists {
        shop_id: rig.shop_id,
        list_version: version.into(),
    };
    fake.set_down(true);

    // Every attempt of the version's push fails while Klaviyo is down (the queue retries it
    // for about 8 minutes), and the merchant sees why.
    for _ in 0..3 {
        let failed = push("l1").run(ctx.clone()).await;
        assert!(matches!(failed, Err(JobError::Transient(_))), "{failed:?}");
    }
    let down = account(&rig).await;
    assert_eq!(down.status, "error");
    assert!(down.last_error.unwrap().contains("unavailable"));
    assert!(fake.imported_external_ids().is_empty());

    // An hour later Klaviyo is back and the hourly precompute publishes the next version.
    fake.set_down(false);
    publish(&rig, "l2", &[4, 5, 6], &items).await;
    push("l1").run(ctx.clone()).await.unwrap();
    assert!(
        fake.imported_external_ids().is_empty(),
        "a late retry of the replaced version sends nothing"
    );
    push("l2").run(ctx.clone()).await.unwrap();
    push("l2").run(ctx).await.unwrap();

    assert_eq!(
        fake.imported_external_ids(),
        ["4", "5", "6"],
        "each profile once"
    );
    let events = fake.events();
    assert_eq!(events.len(), 3, "one event per profile");
    let mut profiles: Vec<&str> = events.iter().map(|e| e.profile_id.as_str()).collect();
    profiles.sort_unstable();
    profiles.dedup();
    assert_eq!(profiles.len(), 3);
    assert!(events.iter().all(|e| e.metric == email::METRIC));
    let sent = fake
        .requests()
        .iter()
        .filter(|r| r.endpoint == Some(Endpoint::CreateEventBulkJob) && r.status == 202)
        .filter(|r| r.json()["data"]["attributes"]["events-bulk-create"]["data"] != json!([]))
        .count();
    assert_eq!(
        sent, 1,
        "announced in one request (the connect's check sent an empty one)"
    );
    let up = account(&rig).await;
    assert_eq!(up.status, "connected");
    assert!(up.last_error.is_none());
}
