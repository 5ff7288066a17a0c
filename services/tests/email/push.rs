use std::time::Duration;

use klaviyo::Endpoint;
use sea_orm::EntityTrait;
use serde_json::Value;
use services::email::{self, EmailError, MAX_ROW_REFUSALS, METRIC};

use crate::helpers::{
    calls, candidate, connect, known_to_klaviyo, lists_for, publish, push, push_with, rig, states,
};

#[tokio::test]
async fn known_customers_get_their_list_and_one_event_and_no_profile_is_created() {
    let rig = rig().await;
    connect(&rig).await;
    known_to_klaviyo(&rig, [1, 2, 3]);
    let mut lists = lists_for([1, 2, 3, 4]);
    lists.push(("anon:abc".into(), lists[0].1.clone()));
    publish(&rig, "l1", &lists).await;

    let summary = push(&rig, "l1").await.unwrap();

    assert_eq!(
        (
            summary.imported,
            summary.events,
            summary.not_in_klaviyo,
            summary.anonymous
        ),
        (3, 3, 1, 1)
    );
    let profiles = rig.fake.profiles();
    assert_eq!(profiles.len(), 3, "customer 4 must not be created");
    let first = profiles
        .iter()
        .find(|p| p.external_id.as_deref() == Some("1"))
        .unwrap();
    let recs = first.properties["meander_recs"].as_array().unwrap();
    assert_eq!(recs.len(), 6);
    assert_eq!(recs[0]["title"], "Product 1");
    assert_eq!(recs[0]["price"], "11.99");
    assert_eq!(recs[0]["currency"], "EUR");
    let url = recs[0]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://mail-shop.myshopify.com/products/product-1?"),
        "{url}"
    );
    let rec_id = first.properties["meander_rec_id"].as_str().unwrap();
    assert!(url.contains(&format!("meander_rec={rec_id}")), "{url}");
    assert!(url.contains("utm_source=klaviyo"), "{url}");
    let events = rig.fake.events();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.metric == METRIC));
    assert_eq!(
        states(&rig)
            .await
            .iter()
            .filter(|s| s.klaviyo_profile_id.is_none())
            .count(),
        1
    );
}

#[tokio::test]
async fn only_changed_lists_are_pushed_again() {
    let rig = rig().await;
    connect(&rig).await;
    known_to_klaviyo(&rig, [1, 2, 3]);
    publish(&rig, "l1", &lists_for([1, 2, 3])).await;
    push(&rig, "l1").await.unwrap();
    let imports_before = calls(&rig, Endpoint::CreateProfileImportJob);
    let lookups_before = calls(&rig, Endpoint::GetProfiles);
    let mut next = lists_for([1, 2, 3]);
    next[1].1 = vec![candidate(9, 0.9), candidate(10, 0.8)];
    publish(&rig, "l2", &next).await;

    let summary = push(&rig, "l2").await.unwrap();

    assert_eq!(
        (summary.unchanged, summary.imported, summary.events),
        (2, 1, 1)
    );
    assert_eq!(
        calls(&rig, Endpoint::CreateProfileImportJob),
        imports_before + 1
    );
    assert_eq!(
        calls(&rig, Endpoint::GetProfiles),
        lookups_before,
        "ids are cached"
    );
    let imported = rig
        .fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.endpoint == Some(Endpoint::CreateProfileImportJob))
        .unwrap();
    let rows = imported.json()["data"]["attributes"]["profiles"]["data"].clone();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["attributes"]["external_id"], "2");
    assert_eq!(rig.fake.events().len(), 4);
}

#[tokio::test]
async fn a_retried_push_never_announces_a_list_twice() {
    let rig = rig().await;
    connect(&rig).await;
    known_to_klaviyo(&rig, [1, 2]);
    publish(&rig, "l1", &lists_for([1, 2])).await;
    push(&rig, "l1").await.unwrap();
    // As if the worker died after Klaviyo took the events but before they were recorded.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entity::email_push_state::Entity::update_many()
        .col_expr(
            entity::email_push_state::Column::EventHash,
            Expr::value(Option::<String>::None),
        )
        .filter(entity::email_push_state::Column::ShopId.eq(rig.shop.id))
        .exec(&rig.db.conn)
        .await
        .unwrap();

    let summary = push(&rig, "l1").await.unwrap();

    assert_eq!(summary.imported, 0, "the content was in Klaviyo already");
    assert_eq!(summary.events, 2, "sent again, with the same unique ids");
    assert_eq!(
        rig.fake.events().len(),
        2,
        "Klaviyo kept one event per profile"
    );
    let ids: Vec<Value> = rig
        .fake
        .requests()
        .iter()
        .filter(|r| r.endpoint == Some(Endpoint::CreateEventBulkJob) && r.status == 202)
        .flat_map(|r| {
            let body = r.json();
            body["data"]["attributes"]["events-bulk-create"]["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|group| group["attributes"]["events"]["data"][0]["attributes"]["unique_id"].clone())
        .collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(ids[0..2], ids[2..4]);
}

#[tokio::test]
async fn a_refused_row_is_recorded_the_rest_goes_out_and_the_next_push_retries_it() {
    let rig = rig().await;
    connect(&rig).await;
    known_to_klaviyo(&rig, 1..=5);
    rig.fake.reject_external_id_in_imports("3");
    publish(&rig, "l1", &lists_for(1..=5)).await;

    let summary = push_with(&rig, "l1", Some(2)).await.unwrap();

    assert_eq!(
        (summary.imported, summary.failed_rows, summary.events),
        (4, 1, 4)
    );
    assert_eq!(summary.import_jobs, 3);
    let refused = states(&rig)
        .await
        .into_iter()
        .find(|s| s.profile_key == "customer:3")
        .unwrap();
    assert!(
        refused
            .last_error
            .as_deref()
            .unwrap()
            .contains("Invalid external id")
    );
    assert_eq!(refused.failed_attempts, 1);
    assert!(refused.content_hash.is_none());

    let again = push(&rig, "l1").await.unwrap();
    assert_eq!(
        (again.imported, again.failed_rows, again.unchanged),
        (0, 1, 4)
    );
}

#[tokio::test]
async fn klaviyo_down_fails_transiently_and_the_next_push_does_the_work() {
    let rig = rig().await;
    connect(&rig).await;
    known_to_klaviyo(&rig, [1, 2]);
    publish(&rig, "l1", &lists_for([1, 2])).await;
    rig.fake.set_down(true);

    let err = push(&rig, "l1").await.unwrap_err();

    assert!(matches!(err, EmailError::Unavailable(_)), "{err:?}");
    assert!(err.is_transient());
    assert!(states(&rig).await.iter().all(|s| s.content_hash.is_none()));
    rig.fake.set_down(false);
    let summary = push(&rig, "l1").await.unwrap();
    assert_eq!((summary.imported, summary.events), (2, 2));
}

#[tokio::test]
async fn a_revoked_key_is_a_credential_error() {
    let rig = rig().await;
    connect(&rig).await;
    known_to_klaviyo(&rig, [1]);
    publish(&rig, "l1", &lists_for([1])).await;
    rig.fake.revoke_api_key(klaviyo::fake::API_KEY);

    let err = push(&rig, "l1").await.unwrap_err();

    assert!(err.is_credential(), "{err:?}");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn each_imported_list_is_logged_as_an_email_impression_under_its_rec_id() {
    let rig = rig().await;
    connect(&rig).await;
    known_to_klaviyo(&rig, [1, 2]);
    publish(&rig, "l1", &lists_for([1, 2, 3])).await;

    push(&rig, "l1").await.unwrap();
    push(&rig, "l1").await.unwrap();

    let logged = entity::impression::Entity::find()
        .all(&rig.db.conn)
        .await
        .unwrap();
    assert_eq!(
        logged.len(),
        2,
        "customer 3 is not in Klaviyo; a repeat logs nothing"
    );
    for profile in rig.fake.profiles() {
        let rec_id = profile.properties["meander_rec_id"].as_str().unwrap();
        let row = logged.iter().find(|row| row.rec_id() == rec_id).unwrap();
        let customer: i64 = profile.external_id.as_deref().unwrap().parse().unwrap();
        let answer = services::signals::impression::answer(&rig.db.conn, row)
            .await
            .unwrap();
        assert_eq!(
            (answer.context.surface.as_str(), row.customer_id),
            ("email", Some(customer))
        );
        let shown: Vec<i64> = answer.items.iter().map(|item| item.product_id).collect();
        assert_eq!(shown, vec![1, 2, 3, 4, 5, 6]);
    }
}

#[tokio::test]
async fn a_row_refused_five_times_is_skipped_until_its_list_changes_and_the_merchant_sees_why() {
    let rig = rig().await;
    connect(&rig).await;
    known_to_klaviyo(&rig, 1..=3);
    rig.fake.reject_external_id_in_imports("3");
    publish(&rig, "l1", &lists_for(1..=3)).await;
    for attempt in 1..=MAX_ROW_REFUSALS {
        let summary = push(&rig, "l1").await.unwrap();
        assert_eq!(
            (summary.failed_rows, summary.skipped_refused),
            (1, 0),
            "push {attempt}"
        );
    }
    let imports = calls(&rig, Endpoint::CreateProfileImportJob);

    let skipped = push(&rig, "l1").await.unwrap();

    assert_eq!(
        (
            skipped.failed_rows,
            skipped.skipped_refused,
            skipped.unchanged
        ),
        (0, 1, 2)
    );
    assert_eq!(
        calls(&rig, Endpoint::CreateProfileImportJob),
        imports,
        "nothing left to send"
    );
    let status = email::status(&rig.db.conn, rig.shop.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.refused_total, 1);
    let shown = &status.refused_rows[0];
    assert_eq!(shown.external_id.as_deref(), Some("3"));
    assert!(shown.reason.contains("Invalid external id"), "{shown:?}");
    assert_eq!((shown.attempts, shown.retried), (MAX_ROW_REFUSALS, false));

    let mut changed = lists_for(1..=3);
    changed[2].1 = vec![candidate(9, 0.9)];
    publish(&rig, "l2", &changed).await;
    let retried = push(&rig, "l2").await.unwrap();

    assert_eq!((retried.failed_rows, retried.skipped_refused), (1, 0));
    let status = email::status(&rig.db.conn, rig.shop.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            status.refused_rows[0].attempts,
            status.refused_rows[0].retried
        ),
        (1, true),
        "a new list starts the count again"
    );
}

#[tokio::test]
async fn a_429_storm_slows_the_push_but_every_profile_and_event_goes_out_once() {
    let mut rig = rig().await;
    connect(&rig).await;
    // Patient retries, as the job's: every throttled call waits for its Retry-After.
    rig.api.retry.max_attempts = 20;
    known_to_klaviyo(&rig, 1..=6);
    publish(&rig, "l1", &lists_for(1..=6)).await;
    for endpoint in [
        Endpoint::GetProfiles,
        Endpoint::CreateProfileImportJob,
        Endpoint::GetProfileImportJob,
        Endpoint::CreateEventBulkJob,
    ] {
        rig.fake.limit_rate(endpoint, 1, Duration::from_secs(1));
    }

    let summary = push_with(&rig, "l1", Some(2)).await.unwrap();

    assert_eq!((summary.imported, summary.events), (6, 6));
    assert!(
        rig.fake.throttled(Endpoint::CreateProfileImportJob) > 0,
        "three jobs in a row must meet the limit"
    );
    assert_eq!(
        rig.fake.imported_external_ids(),
        ["1", "2", "3", "4", "5", "6"],
        "each row once"
    );
    let profiles = rig.fake.profiles();
    let mut announced: Vec<String> = rig
        .fake
        .events()
        .iter()
        .map(|e| {
            let profile = profiles.iter().find(|p| p.id == e.profile_id).unwrap();
            profile.external_id.clone().unwrap()
        })
        .collect();
    announced.sort();
    assert_eq!(announced, ["1", "2", "3", "4", "5", "6"], "one event each");
}
