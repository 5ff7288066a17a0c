use chrono::TimeZone as _;
use klaviyo::events::{EVENT_BULK_LIMITS, split_event_groups};
use klaviyo::{Event, EventData, ProfileEvents, ProfileRef};
use serde_json::{Map, json};

use crate::helpers::spawn;

fn ready(unique_id: &str) -> EventData {
    let mut properties = Map::new();
    properties.insert("items".into(), json!(["sku-1", "sku-9"]));
    EventData {
        metric: "Recommendations Ready".into(),
        properties,
        unique_id: Some(unique_id.into()),
        time: chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).single(),
        value: None,
    }
}

#[tokio::test]
async fn an_event_sent_twice_with_one_unique_id_is_recorded_once() {
    let t = spawn();
    let event = Event {
        profile: ProfileRef::email("a@example.com"),
        data: ready("recs-2026-12-01"),
    };

    t.client
        .create_event(&event)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    t.client
        .create_event(&event)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(t.fake.events().len(), 1);
    assert_eq!(t.fake.events()[0].metric, "Recommendations Ready");
    let body = t.fake.requests()[0].json();
    assert_eq!(
        body.pointer("/data/attributes/unique_id"),
        Some(&json!("recs-2026-12-01"))
    );
    assert_eq!(
        body.pointer("/data/attributes/time"),
        Some(&json!("2026-12-01T09:30:00Z"))
    );
    assert_eq!(
        t.fake.requests()[0].header("content-type"),
        Some("application/vnd.api+json")
    );
}

#[tokio::test]
async fn events_with_different_unique_ids_are_all_recorded() {
    let t = spawn();
    for day in ["recs-1", "recs-2"] {
        let event = Event {
            profile: ProfileRef::external_id("42"),
            data: ready(day),
        };
        t.client
            .create_event(&event)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    assert_eq!(t.fake.events().len(), 2);
    assert_eq!(
        t.fake.profiles().len(),
        1,
        "both events are about one profile"
    );
}

#[tokio::test]
async fn bulk_events_are_grouped_by_profile_and_deduplicated() {
    let t = spawn();
    let groups = vec![
        ProfileEvents {
            profile: ProfileRef::email("a@example.com"),
            events: vec![ready("r1"), ready("r2")],
        },
        ProfileEvents {
            profile: ProfileRef::email("b@example.com"),
            events: vec![ready("r1")],
        },
    ];

    t.client
        .create_event_bulk_job(&groups)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    t.client
        .create_event_bulk_job(&groups)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(t.fake.events().len(), 3);
}

#[tokio::test]
async fn more_than_a_thousand_events_are_split_into_bulk_requests_klaviyo_accepts() {
    let t = spawn();
    let groups: Vec<_> = (0..300)
        .map(|i| ProfileEvents {
            profile: ProfileRef::external_id(i.to_string()),
            events: (0..5).map(|d| ready(&format!("r{d}"))).collect(),
        })
        .collect();

    let batches = split_event_groups(groups, EVENT_BULK_LIMITS).unwrap_or_else(|e| panic!("{e}"));
    for batch in &batches {
        t.client
            .create_event_bulk_job(batch)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    assert_eq!(batches.len(), 2);
    assert_eq!(t.fake.events().len(), 1_500);
}
