use std::sync::Arc;

use klaviyo::{Endpoint, Error, Event, EventData, ProfileRef, Unlimited};
use serde_json::{Map, json};

use crate::helpers::{client_for, spawn};

#[tokio::test]
async fn a_body_that_breaks_klaviyos_schema_is_rejected_with_a_pointer() {
    let t = spawn();
    // `metric` is required in EventCreateQueryV2's attributes.
    let invalid = json!({
        "data": {
            "type": "event",
            "attributes": {
                "properties": {},
                "profile": { "data": { "type": "profile", "attributes": { "email": "a@example.com" } } }
            }
        }
    });

    let err = t
        .client
        .post_document(Endpoint::CreateEvent, "/api/events", &invalid)
        .await
        .err();

    match err {
        Some(Error::Rejected {
            endpoint: Endpoint::CreateEvent,
            status: 400,
            errors,
        }) => {
            assert_eq!(errors[0].code, "invalid");
            assert!(errors[0].detail.contains("metric"), "{}", errors[0].detail);
            let pointer = errors[0].source.as_ref().and_then(|s| s.pointer.clone());
            assert_eq!(pointer.as_deref(), Some("/data/attributes"));
        }
        other => panic!("expected a 400 Rejected, got {other:?}"),
    }
    assert!(t.fake.events().is_empty());
}

#[tokio::test]
async fn a_wrong_resource_type_is_rejected() {
    let t = spawn();
    let invalid =
        json!({ "data": { "type": "profile", "attributes": { "profiles": { "data": [] } } } });

    let err = t
        .client
        .post_document(
            Endpoint::CreateProfileImportJob,
            "/api/profile-bulk-import-jobs",
            &invalid,
        )
        .await
        .err();

    assert!(
        matches!(err, Some(Error::Rejected { status: 400, .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_event_without_any_profile_identifier_is_rejected() {
    let t = spawn();
    let event = Event {
        profile: ProfileRef::default(),
        data: EventData {
            metric: "Recommendations Ready".into(),
            properties: Map::new(),
            unique_id: None,
            time: None,
            value: None,
        },
    };

    let err = t.client.create_event(&event).await.err();

    assert!(
        matches!(err, Some(Error::Rejected { status: 400, .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_revision_the_fake_does_not_play_is_rejected() {
    let t = spawn();
    let mut config = t.fake.config();
    config.revision = "2023-01-01".into();
    let client = client_for(config, Arc::new(Unlimited));

    let err = client.account().await.err();

    assert!(
        matches!(err, Some(Error::Rejected { status: 400, .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_fake_refuses_a_body_that_is_not_json_api() {
    let t = spawn();
    let http = reqwest::Client::new();

    let response = http
        .post(format!("{}/api/events", t.fake.address))
        .header("revision", "2026-07-15")
        .header(
            "authorization",
            format!("Klaviyo-API-Key {}", klaviyo::fake::API_KEY),
        )
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(response.status().as_u16(), 415);
}

#[tokio::test]
async fn an_unknown_path_is_404_in_klaviyos_error_shape() {
    let t = spawn();

    let err = t
        .client
        .post_document(Endpoint::CreateEvent, "/api/event", &json!({}))
        .await
        .err();

    match err {
        Some(Error::Rejected {
            status: 404,
            errors,
            ..
        }) => assert_eq!(errors[0].code, "not_found"),
        other => panic!("expected 404, got {other:?}"),
    }
}

#[tokio::test]
async fn every_request_of_a_full_run_passes_the_fakes_checks() {
    let t = spawn();
    t.fake.add_profiles([(Some("a@example.com"), Some("1"))]);
    let profiles = vec![klaviyo::ProfileUpsert {
        email: Some("a@example.com".into()),
        ..klaviyo::ProfileUpsert::default()
    }];
    let jobs = klaviyo::ProfileImportJob::split(profiles).unwrap_or_else(|e| panic!("{e}"));

    t.client.account().await.unwrap_or_else(|e| panic!("{e}"));
    t.client
        .profiles_page(&klaviyo::ProfileQuery::default(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let job = t
        .client
        .create_profile_import_job(&jobs[0])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    t.client
        .profile_import_job(&job.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    t.client
        .import_errors_page(&job.id, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let event = Event {
        profile: ProfileRef::email("a@example.com"),
        data: EventData {
            metric: "Recommendations Ready".into(),
            properties: Map::new(),
            unique_id: Some("x".into()),
            time: None,
            value: Some(12.5),
        },
    };
    t.client
        .create_event(&event)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let statuses: Vec<_> = t.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 202, 200, 200, 202]);
}
