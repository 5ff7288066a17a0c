//! `push_email_lists`: queued once per published list version of a shop with Klaviyo;
//! records its outcome on the account, where the merchant sees it; Klaviyo down is retried.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use entity::{klaviyo_account, model, rec_list};
use klaviyo::fake::FakeKlaviyo;
use klaviyo::{PollPolicy, RetryPolicy};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use services::email::{self, KlaviyoApi};
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
    let now = Utc::now();
    rec_list::ActiveModel {
        shop_id: Set(rig.shop_id),
        surface: Set("email".into()),
        seed_kind: Set("profile".into()),
        seed_id: Set("customer:4".into()),
        model_version: Set("v1".into()),
        policy_version: Set("1".into()),
        list_version: Set(version.into()),
        items: Set(json!([])),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
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
