use std::sync::Arc;
use std::time::Duration;

use klaviyo::{
    Endpoint, Error, Event, EventData, InProcessLimiter, ProfileRef, RateLimit, Unlimited,
};
use serde_json::Map;

use crate::helpers::{client_for, spawn};

fn event(i: usize) -> Event {
    Event {
        profile: ProfileRef::email(format!("s{i}@example.com")),
        data: EventData {
            metric: "Recommendations Ready".into(),
            properties: Map::new(),
            unique_id: Some(format!("u{i}")),
            time: None,
            value: None,
        },
    }
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_and_succeeds() {
    let t = spawn();
    t.fake
        .limit_rate(Endpoint::CreateEvent, 2, Duration::from_secs(1));

    for i in 0..4 {
        t.client
            .create_event(&event(i))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    assert_eq!(t.fake.events().len(), 4);
    let requests = t.fake.requests();
    let throttled = requests.iter().position(|r| r.status == 429);
    let Some(at) = throttled else {
        panic!("the fake never throttled")
    };
    let waited = requests[at + 1].at.duration_since(requests[at].at);
    assert!(
        waited >= Duration::from_millis(900),
        "retried after {waited:?}"
    );
}

#[tokio::test]
async fn throttling_on_every_attempt_gives_a_rate_limited_error() {
    let t = spawn();
    t.fake
        .limit_rate(Endpoint::GetAccounts, 1, Duration::from_secs(60));
    let mut config = t.fake.config();
    // Klaviyo would say "wait up to a minute"; do not make the test wait.
    config.retry.max_retry_after_secs = 0;
    let client = client_for(config, Arc::new(Unlimited));
    client.account().await.unwrap_or_else(|e| panic!("{e}"));

    let err = client.account().await.err();

    assert!(
        matches!(
            err,
            Some(Error::RateLimited {
                endpoint: Endpoint::GetAccounts,
                attempts: 4
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_client_limiter_keeps_under_the_fake_limit() {
    let t = spawn();
    let limit = RateLimit {
        burst_per_second: 10,
        steady_per_minute: 600,
    };
    t.fake
        .limit_rate(Endpoint::CreateEvent, 10, Duration::from_secs(1));
    t.fake
        .limit_rate(Endpoint::CreateEvent, 600, Duration::from_secs(60));
    let limiter = InProcessLimiter::with_limits(|_| limit);
    let client = client_for(t.fake.config(), Arc::new(limiter));

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..25 {
        let client = client.clone();
        tasks.spawn(async move { client.create_event(&event(i)).await });
    }
    while let Some(result) = tasks.join_next().await {
        result
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
    }

    assert_eq!(t.fake.throttled(Endpoint::CreateEvent), 0);
    assert!(
        t.fake
            .peak_admitted(Endpoint::CreateEvent, Duration::from_secs(1))
            <= 10
    );
    assert_eq!(t.fake.events().len(), 25);
}

#[tokio::test]
async fn a_503_storm_gives_up_after_the_bounded_attempts() {
    let t = spawn();
    t.fake.set_down(true);

    let err = t.client.create_event(&event(1)).await.err();

    assert!(
        matches!(
            err,
            Some(Error::Unavailable {
                attempts: 4,
                status: Some(503),
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(t.fake.requests().len(), 4);
}

#[tokio::test]
async fn a_short_502_504_blip_is_ridden_out() {
    let t = spawn();
    t.fake.fail_next(1, 502);

    t.client.account().await.unwrap_or_else(|e| panic!("{e}"));
    t.fake.fail_next(1, 504);
    t.client.account().await.unwrap_or_else(|e| panic!("{e}"));

    let statuses: Vec<_> = t.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [502, 200, 504, 200]);
}

#[tokio::test]
async fn a_500_is_not_retried() {
    let t = spawn();
    t.fake.fail_next(1, 500);

    let err = t.client.account().await.err();

    assert!(
        matches!(
            err,
            Some(Error::Unavailable {
                attempts: 1,
                status: Some(500),
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(t.fake.requests().len(), 1);
}

#[tokio::test]
async fn an_unreachable_klaviyo_is_unavailable_with_the_transport_cause() {
    let t = spawn();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut config = t.fake.config();
    config.base_url = format!("http://{closed}");
    let client = client_for(config, Arc::new(Unlimited));

    let err = client.account().await.err();

    match err {
        Some(Error::Unavailable {
            attempts: 4,
            status: None,
            source: Some(_),
            ..
        }) => {}
        other => panic!("expected Unavailable with a cause, got {other:?}"),
    }
}
