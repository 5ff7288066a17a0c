use std::sync::Arc;
use std::time::Duration;

use klaviyo::{Client, Endpoint, ProfileQuery, RateLimit};
use services::email::DbRateLimiter;

use crate::helpers::rig;

#[tokio::test]
async fn two_workers_sharing_the_database_limiter_stay_under_klaviyo_s_limit() {
    let rig = rig().await;
    rig.fake
        .limit_rate(Endpoint::GetProfiles, 10, Duration::from_secs(1));
    let limits = |_| RateLimit {
        burst_per_second: 10,
        steady_per_minute: 10_000,
    };
    let client = |conn| {
        let limiter = Arc::new(DbRateLimiter::with_limits(conn, "acct-1", limits));
        let mut config = rig.fake.config();
        config.retry.max_attempts = 1;
        Client::with_limiter(config, limiter).unwrap()
    };
    // Two limiters, as two worker processes have: they meet only in the database.
    let (first, second) = (client(rig.db.conn.clone()), client(rig.db.conn.clone()));
    let query = ProfileQuery::default();
    let run = |client: Client| {
        let query = query.clone();
        tokio::spawn(async move {
            for _ in 0..12 {
                client.profiles_page(&query, None).await.unwrap();
            }
        })
    };

    let (a, b) = (run(first), run(second));
    a.await.unwrap();
    b.await.unwrap();

    assert_eq!(rig.fake.throttled(Endpoint::GetProfiles), 0);
    let peak = rig
        .fake
        .peak_admitted(Endpoint::GetProfiles, Duration::from_secs(1));
    assert!(peak <= 10, "{peak} requests in one second");
}
