//! The email holdout comparison from hand-built push states, impressions, clicks and orders.

use chrono::{DateTime, Duration, Utc};
use entity::domain::RecId;
use entity::{email_push_state, event, impression, order, serving_context};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use services::email::{EmailSettings, compare_holdout};

use crate::helpers::{Rig, rig};

/// A push state of `customer` in `arm`, assigned at `since`, pushed unless `pushed` is false.
async fn member(rig: &Rig, customer: i64, arm: &str, since: DateTime<Utc>, pushed: bool) {
    email_push_state::ActiveModel {
        shop_id: Set(rig.shop.id),
        profile_key: Set(format!("customer:{customer}")),
        external_id: Set(Some(customer.to_string())),
        klaviyo_profile_id: Set(Some(format!("k{customer}"))),
        looked_up_at: Set(Some(since)),
        arm: Set(arm.into()),
        content_hash: Set(Some("h".into())),
        event_hash: Set(None),
        list_version: Set(Some("l1".into())),
        rec_id: Set(Some(format!("em_{customer}"))),
        pushed_at: Set(pushed.then_some(since)),
        last_error: Set(None),
        failed_attempts: Set(0),
        assigned_at: Set(Some(since)),
        failed_hash: Set(None),
        failed_at: Set(None),
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
}

/// `customer`'s email impression (their pushed list); returns its id.
async fn shown(rig: &Rig, customer: i64, at: DateTime<Utc>) -> i64 {
    // Every email impression here shares one context.
    let context = serving_context::ActiveModel {
        shop_id: Set(rig.shop.id),
        id: Set(1),
        surface: Set("email".into()),
        traffic_source: Set("email".into()),
        policy_version: Set("1".into()),
        model_id: Set(None),
        list_id: Set(None),
        model_version: Set(None),
        list_version: Set(Some("l1".into())),
    };
    serving_context::Entity::insert(context)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(&rig.db.conn)
        .await
        .unwrap();
    impression::ActiveModel {
        id: Set(RecId::new(at, 0, customer).key()),
        shop_id: Set(rig.shop.id),
        rec_text: Set(Some(format!("em_{customer}"))),
        context_id: Set(1),
        session_id: Set(format!("em_{customer}")),
        anonymous_id: Set(format!("customer:{customer}")),
        customer_id: Set(Some(customer)),
        item_count: Set(1),
        items: Set(Some(
            json!([{"product_id": 1, "module": "email", "position": 1,
            "propensity": 1.0, "explored": false}]),
        )),
        experiment_id: Set(None),
        arm: Set(None),
        ..Default::default()
    }
    .insert(&rig.db.conn)
    .await
    .unwrap()
    .id
}

/// A click on `surface` attributed to impression `impression_id`.
async fn click(rig: &Rig, surface: &str, impression_id: i64, at: DateTime<Utc>) {
    event::ActiveModel {
        shop_id: Set(rig.shop.id),
        client_event_id: Set(None),
        kind: Set("click".into()),
        anonymous_id: Set("browser".into()),
        customer_id: Set(None),
        session_id: Set("s".into()),
        product_id: Set(Some(1)),
        variant_id: Set(None),
        query: Set(None),
        surface: Set(Some(surface.into())),
        rec_id: Set(None),
        impression_id: Set(Some(impression_id)),
        position: Set(Some(1)),
        propensity: Set(Some(1.0)),
        traffic_source: Set(Some("email".into())),
        device: Set(None),
        occurred_at: Set(at),
        received_at: Set(at),
        ..Default::default()
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
}

async fn ordered(rig: &Rig, id: i64, customer: Option<i64>, total_minor: i64, at: DateTime<Utc>) {
    order::ActiveModel {
        shop_id: Set(rig.shop.id),
        id: Set(id),
        customer_id: Set(customer),
        session_id: Set(None),
        anonymous_id: Set(None),
        currency: Set("EUR".into()),
        total_minor: Set(total_minor),
        placed_at: Set(at),
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn each_arm_counts_its_profiles_email_clicks_and_orders_since_assignment() {
    let rig = rig().await;
    let now = Utc::now();
    let start = now - Duration::days(10);
    let day = |n| start + Duration::days(n);
    // Treatment 1 and 2; holdout 3, 4, and 6 (assigned yesterday); 5 was never pushed.
    member(&rig, 1, "treatment", start, true).await;
    member(&rig, 2, "treatment", start, true).await;
    member(&rig, 3, "holdout", start, true).await;
    member(&rig, 4, "holdout", start, true).await;
    member(&rig, 5, "treatment", start, false).await;
    member(&rig, 6, "holdout", now - Duration::days(1), true).await;
    let (first, third) = (shown(&rig, 1, day(0)).await, shown(&rig, 3, day(0)).await);
    click(&rig, "email", first, day(1)).await;
    click(&rig, "email", first, day(2)).await;
    click(&rig, "email", third, day(1)).await;
    // A storefront click is no email click.
    click(&rig, "pdp", first, day(2)).await;
    // 1 orders a day after its click (assisted); 2 without a click; 3 eight days after its
    // click (outside the 7-day window); 6 before its assignment; a stranger and a guest.
    ordered(&rig, 101, Some(1), 5_000, day(3)).await;
    ordered(&rig, 102, Some(2), 3_000, day(4)).await;
    ordered(&rig, 103, Some(3), 2_000, day(9)).await;
    ordered(&rig, 104, Some(6), 9_900, now - Duration::days(2)).await;
    ordered(&rig, 105, Some(99), 1_000, day(5)).await;
    ordered(&rig, 106, None, 1_000, day(5)).await;

    let settings = EmailSettings::default();
    let compared = compare_holdout(
        &rig.db.conn,
        rig.shop.id,
        &settings,
        "EUR",
        Duration::days(7),
    )
    .await
    .unwrap();

    let (t, h) = (&compared.treatment, &compared.holdout);
    assert_eq!((t.profiles, h.profiles), (2, 3));
    assert_eq!((t.clicks, h.clicks), (2, 1));
    assert_eq!(
        (t.clicked.counts.successes, h.clicked.counts.successes),
        (1, 1)
    );
    assert_eq!(
        (t.ordered.counts.successes, h.ordered.counts.successes),
        (2, 1)
    );
    assert_eq!((t.orders, h.orders), (2, 1));
    assert_eq!((t.assisted_orders, h.assisted_orders), (1, 0));
    assert!((t.revenue - 80.0).abs() < 1e-9, "{t:?}");
    assert!((h.revenue - 20.0).abs() < 1e-9, "{h:?}");
    assert!((t.revenue_per_profile - 40.0).abs() < 1e-9);
    assert!((h.revenue_per_profile - 20.0 / 3.0).abs() < 1e-9);
    let d = &compared.difference;
    assert!(
        (d.clicked.difference - (0.5 - 1.0 / 3.0)).abs() < 1e-9,
        "{d:?}"
    );
    assert!(
        (d.ordered.difference - (1.0 - 1.0 / 3.0)).abs() < 1e-9,
        "{d:?}"
    );
    // Revenue per profile: 50, 30 against 20, 0, 0: 40 − 6.67 = 33.33, SE √(200/2 + 133.3/3).
    let revenue = d.revenue_per_profile.unwrap();
    assert!((revenue.difference - 100.0 / 3.0).abs() < 1e-9);
    let half = 1.959_964 * (100.0_f64 + 400.0 / 9.0).sqrt();
    assert!(
        (revenue.interval.high - (100.0 / 3.0 + half)).abs() < 1e-3,
        "{revenue:?}"
    );
    let rows = compared.rows();
    let row = |metric: &str| rows.iter().find(|r| r.metric == metric).unwrap().clone();
    assert_eq!(
        (row("profiles").treatment, row("profiles").holdout),
        (2.0, 3.0)
    );
    assert_eq!(
        row("revenue_per_profile").difference,
        Some(revenue.difference)
    );
}

#[tokio::test]
async fn without_any_profile_the_comparison_is_empty_not_an_error() {
    let rig = rig().await;

    let compared = compare_holdout(
        &rig.db.conn,
        rig.shop.id,
        &EmailSettings::default(),
        "EUR",
        Duration::days(7),
    )
    .await
    .unwrap();

    assert_eq!(
        (compared.treatment.profiles, compared.holdout.profiles),
        (0, 0)
    );
    assert!(compared.difference.revenue_per_profile.is_none());
    assert_eq!(compared.difference.clicked.p_value, 1.0);
}
