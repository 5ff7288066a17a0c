//! Experiments through the admin API and the real serving path: lifecycle and its refusals,
//! deterministic sticky assignment (also across login on a second device), per-arm serving
//! recorded on the impression, fallback of an arm that no longer validates, and the guard rail.

use chrono::{DateTime, Duration, Utc};
use entity::domain::RecId;
use entity::{event, experiment, experiment_assignment, impression, order};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use services::experiments::assign::{arm_for, bucket};
use services::experiments::{Arm, store};

use crate::admin_pages::{demo_mode_app, with_key};
use crate::helpers::{TestApp, json};
use crate::recs::some_product;

async fn post(app: &TestApp, key: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.address))
        .header("x-meander-demo-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The shop's settings against no module at all, on product pages.
fn holdout(name: &str) -> Value {
    json!({
        "name": name,
        "surface": "pdp",
        "arms": [
            {"name": "control", "share": 50, "policy": {"kind": "current"}},
            {"name": "holdout", "share": 50, "policy": {"kind": "no_module"}},
        ],
    })
}

/// Creates and starts `definition`; returns its id.
async fn started(app: &TestApp, key: &str, definition: &Value) -> i64 {
    let created = post(app, key, "/admin/api/experiments", definition).await;
    assert_eq!(created.status(), 201);
    let id = json(created).await["experiment"]["id"].as_i64().unwrap();
    let start = post(
        app,
        key,
        &format!("/admin/api/experiments/{id}/start"),
        &json!({}),
    )
    .await;
    assert_eq!(start.status(), 200, "{}", start.text().await.unwrap());
    id
}

/// A product page answer for the browser `anonymous` (its session `s-{anonymous}`), logged in
/// as `customer` if given.
async fn serve(app: &TestApp, seed: i64, anonymous: &str, customer: Option<i64>) -> Value {
    let mut path = format!(
        "/demo/recs?surface=pdp&product_id={seed}&limit=4&session_id=s-{anonymous}&anonymous_id={anonymous}"
    );
    if let Some(customer) = customer {
        path.push_str(&format!("&logged_in_customer_id={customer}"));
    }
    let response = app.get(&path).await;
    assert_eq!(response.status(), 200);
    json(response).await
}

async fn recorded(app: &TestApp, experiment_id: i64, subject: &str) -> Option<String> {
    experiment_assignment::Entity::find()
        .filter(experiment_assignment::Column::ExperimentId.eq(experiment_id))
        .filter(experiment_assignment::Column::SubjectId.eq(subject))
        .one(&app.db.conn)
        .await
        .unwrap()
        .map(|row| row.arm)
}

#[tokio::test]
async fn a_holdout_is_served_per_arm_recorded_on_impressions_and_stops() {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let seed = some_product(&app).await;
    let id = started(&app, &key, &holdout("recs or not")).await;

    let mut arms = Vec::new();
    for i in 0..16 {
        let who = format!("anon-{i}");
        let body = serve(&app, seed, &who, None).await;
        let arm = recorded(&app, id, &format!("anon-{i}")).await.unwrap();
        let (row, _) = app.impression(body["rec_id"].as_str().unwrap()).await;
        assert_eq!(
            (row.experiment_id, row.arm.as_deref()),
            (Some(id), Some(arm.as_str()))
        );
        assert_eq!(
            body["experiment"]["experiment_id"], id,
            "the answer names its arm"
        );
        assert_eq!(body["experiment"]["arm"], arm.as_str());
        let modules = body["modules"].as_array().unwrap().len();
        assert_eq!(modules == 0, arm == "holdout", "{arm}: {body}");
        // Sticky: the next page view gets the same arm.
        let again = serve(&app, seed, &who, None).await;
        let (again_row, _) = app.impression(again["rec_id"].as_str().unwrap()).await;
        assert_eq!(again_row.arm, row.arm);
        assert_eq!(again["modules"].as_array().unwrap().len(), modules);
        arms.push(arm);
    }
    assert!(arms.contains(&"holdout".to_owned()) && arms.contains(&"control".to_owned()));

    let results =
        json(with_key(&app, &format!("/admin/api/experiments/{id}/results"), &key).await).await;
    let arm_results = results["results"]["arms"].as_array().unwrap();
    let control = arms.iter().filter(|a| *a == "control").count() as u64;
    assert_eq!(arm_results[0]["name"], "control");
    assert_eq!(arm_results[0]["ctr"]["trials"], 2 * control, "{results}");
    assert_eq!(arm_results[0]["shoppers"], control);
    assert_eq!(
        arm_results[1]["ctr"]["trials"], 0,
        "a holdout shows nothing"
    );
    assert_eq!(
        arm_results[1]["add_to_cart"]["trials"],
        16 - control,
        "one session each"
    );
    assert_eq!(arm_results[1]["vs_control"]["ctr"]["decision"], "continue");

    let stop = post(
        &app,
        &key,
        &format!("/admin/api/experiments/{id}/stop"),
        &json!({}),
    )
    .await;
    assert_eq!(stop.status(), 200);
    let after = serve(&app, seed, "anon-0", None).await;
    let (row, _) = app.impression(after["rec_id"].as_str().unwrap()).await;
    assert_eq!(
        row.experiment_id, None,
        "a stopped experiment serves nobody"
    );
    assert!(after.get("experiment").is_none(), "{after}");
    let again = post(
        &app,
        &key,
        &format!("/admin/api/experiments/{id}/stop"),
        &json!({}),
    )
    .await;
    assert_eq!(again.status(), 409);
    assert_eq!(store::list(&app.db.conn, shop_id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn starting_an_experiment_that_shares_traffic_with_a_running_one_is_refused_by_name() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    started(&app, &key, &holdout("all traffic")).await;
    let mut email_only = holdout("email traffic");
    email_only["traffic_source"] = json!("email");
    let created = json(post(&app, &key, "/admin/api/experiments", &email_only).await).await;
    let id = created["experiment"]["id"].as_i64().unwrap();

    let refused = post(
        &app,
        &key,
        &format!("/admin/api/experiments/{id}/start"),
        &json!({}),
    )
    .await;

    assert_eq!(refused.status(), 409);
    let body = json(refused).await;
    assert!(
        body["message"].as_str().unwrap().contains("`all traffic`"),
        "{body}"
    );
    let list = json(with_key(&app, "/admin/api/experiments", &key).await).await;
    assert_eq!(list["experiments"][0]["experiment"]["status"], "draft");
    // Another surface shares nothing.
    let mut cart = holdout("cart");
    cart["surface"] = json!("cart");
    started(&app, &key, &cart).await;
    let taken = post(&app, &key, "/admin/api/experiments", &holdout("cart")).await;
    assert_eq!(taken.status(), 409, "names are unique per shop");
}

#[tokio::test]
async fn zero_traffic_and_shares_not_summing_to_100_are_unprocessable() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let mut zero = holdout("zero");
    zero["arms"][1]["share"] = json!(0);
    let mut short = holdout("short");
    short["arms"][0]["share"] = json!(40);

    for (body, fields) in [
        (zero, vec!["arms[1].share", "arms"]),
        (short, vec!["arms"]),
        (json!({"name": "x"}), vec!["experiment"]),
    ] {
        let response = post(&app, &key, "/admin/api/experiments", &body).await;
        assert_eq!(response.status(), 422);
        let found = json(response).await;
        let names: Vec<&str> = found["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(names, fields, "{found}");
    }
    let list = json(with_key(&app, "/admin/api/experiments", &key).await).await;
    assert_eq!(list["experiments"].as_array().unwrap().len(), 0);
}

/// Stores a running experiment as another version might have left it: its `broken` arm's
/// settings no longer validate, and its start time is an hour ahead (the writer's clock ran
/// fast).
async fn running_with_broken_arm(app: &TestApp, shop_id: i64) -> experiment::Model {
    let mut settings = serde_json::to_value(services::settings::SurfaceSettings::defaults(
        ranker::Surface::Product,
    ))
    .unwrap();
    settings["exploration"]["share"] = json!(0.5);
    experiment::ActiveModel {
        shop_id: Set(shop_id),
        name: Set("old".into()),
        kind: Set("ab".into()),
        surface: Set(Some("pdp".into())),
        visitor: Set("all".into()),
        identity: Set("all".into()),
        salt: Set("salt".into()),
        arms: Set(json!([
            {"name": "control", "share": 50, "policy": {"kind": "current"}},
            {"name": "broken", "share": 50, "policy": {"kind": "settings", "settings": settings}},
        ])),
        status: Set("running".into()),
        started_at: Set(Some(Utc::now() + Duration::hours(1))),
        ..Default::default()
    }
    .insert(&app.db.conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_arm_that_no_longer_validates_serves_the_control_and_is_reported() {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let seed = some_product(&app).await;
    let row = running_with_broken_arm(&app, shop_id).await;

    let mut fallbacks = 0;
    for i in 0..8 {
        let body = serve(&app, seed, &format!("anon-{i}"), None).await;
        let (logged, _) = app.impression(body["rec_id"].as_str().unwrap()).await;
        assert_eq!(
            logged.experiment_id,
            Some(row.id),
            "served despite the clock skew"
        );
        let arm = recorded(&app, row.id, &format!("anon-{i}")).await.unwrap();
        if arm == "broken" {
            assert_eq!(logged.arm, None, "fell back to the control");
            assert!(!body["modules"].as_array().unwrap().is_empty());
            fallbacks += 1;
        } else {
            assert_eq!(logged.arm.as_deref(), Some("control"));
        }
    }
    assert!(fallbacks > 0);

    let results = json(
        with_key(
            &app,
            &format!("/admin/api/experiments/{}/results", row.id),
            &key,
        )
        .await,
    )
    .await;
    assert_eq!(
        results["results"]["fallback_impressions"], fallbacks,
        "{results}"
    );
    assert_eq!(results["arm_problems"][0]["arm"], "broken");
    assert_eq!(
        results["arm_problems"][0]["fields"][0]["field"],
        "exploration.share"
    );
}

/// An anonymous id whose hash puts it in `arm` of the experiment.
fn browser_in(arms: &[Arm], salt: &str, arm: &str, skip: &str) -> String {
    (0..)
        .map(|i| format!("browser-{i}"))
        .find(|id| id != skip && arm_for(arms, bucket(salt, id)).is_some_and(|a| a.name == arm))
        .unwrap()
}

#[tokio::test]
async fn a_shoppers_arm_follows_them_across_login_and_devices() {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let seed = some_product(&app).await;
    let id = started(&app, &key, &holdout("devices")).await;
    let found = store::get(&app.db.conn, shop_id, id).await.unwrap();
    let arms = &found.definition.arms;
    // Customer 77's own hash, and a browser that hashes to the other arm.
    let customer_arm = arm_for(arms, bucket(&found.salt, "77"))
        .unwrap()
        .name
        .clone();
    let other = if customer_arm == "control" {
        "holdout"
    } else {
        "control"
    };
    let laptop = browser_in(arms, &found.salt, other, "");
    let phone = browser_in(arms, &found.salt, &customer_arm, &laptop);

    // Anonymous on the laptop, then logged in there: the customer keeps the laptop's arm.
    serve(&app, seed, &laptop, None).await;
    serve(&app, seed, &laptop, Some(77)).await;
    assert_eq!(recorded(&app, id, "77").await.as_deref(), Some(other));
    // Logged in on the phone, whose browser alone would have hashed to the other arm.
    let body = serve(&app, seed, &phone, Some(77)).await;
    let (row, _) = app.impression(body["rec_id"].as_str().unwrap()).await;
    assert_eq!(
        row.arm.as_deref(),
        Some(other),
        "the customer's arm on every device"
    );

    // A browser with its own arm logging in as a customer who has one: the customer's wins.
    let tablet = browser_in(arms, &found.salt, &customer_arm, &phone);
    serve(&app, seed, &tablet, None).await;
    let body = serve(&app, seed, &tablet, Some(77)).await;
    let (row, _) = app.impression(body["rec_id"].as_str().unwrap()).await;
    assert_eq!(row.arm.as_deref(), Some(other));
    assert_eq!(
        recorded(&app, id, &tablet).await.as_deref(),
        Some(customer_arm.as_str())
    );
}

/// What one arm's logged traffic was: 4,000 product page impressions (one per session), the
/// first `clicks` of them clicked, and the first `orders` sessions ordering 50.00 after it.
struct Logged {
    arm: &'static str,
    clicks: usize,
    orders: usize,
}

const SESSIONS_PER_ARM: usize = 4000;
const ORDER_MINOR: i64 = 5000;

/// Logs `traffic` under experiment `id` at `now`, straight into the tables.
async fn log_traffic(app: &TestApp, shop_id: i64, id: i64, now: DateTime<Utc>, traffic: &[Logged]) {
    let mut order_id = 0;
    // Every answer here was served on product pages to direct traffic.
    let context = entity::serving_context::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(1),
        surface: Set("pdp".into()),
        traffic_source: Set("direct".into()),
        policy_version: Set("1".into()),
        ..Default::default()
    };
    entity::serving_context::Entity::insert(context)
        .on_conflict(
            sea_orm::sea_query::OnConflict::new()
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&app.db.conn)
        .await
        .unwrap();
    for (arm_index, logged) in traffic.iter().enumerate() {
        let arm = logged.arm;
        let rec_id = |n: usize| format!("{arm}-{n}");
        let shown: Vec<_> = (0..SESSIONS_PER_ARM)
            .map(|n| impression::ActiveModel {
                id: Set(RecId::new(now, i64::try_from(arm_index).unwrap(), n as i64).key()),
                shop_id: Set(shop_id),
                rec_text: Set(Some(rec_id(n))),
                context_id: Set(1),
                session_id: Set(format!("s-{}", rec_id(n))),
                anonymous_id: Set(format!("a-{}", rec_id(n))),
                item_count: Set(4),
                experiment_id: Set(Some(id)),
                arm: Set(Some(arm.into())),
                ..Default::default()
            })
            .collect();
        for chunk in shown.chunks(500) {
            impression::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&app.db.conn)
                .await
                .unwrap();
        }
        let clicked = (0..logged.clicks).map(|n| event::ActiveModel {
            shop_id: Set(shop_id),
            kind: Set("click".into()),
            anonymous_id: Set(format!("a-{}", rec_id(n))),
            session_id: Set(format!("s-{}", rec_id(n))),
            rec_id: Set(Some(rec_id(n))),
            occurred_at: Set(now),
            received_at: Set(now),
            ..Default::default()
        });
        event::Entity::insert_many(clicked)
            .exec_without_returning(&app.db.conn)
            .await
            .unwrap();
        let ordered: Vec<_> = (0..logged.orders)
            .map(|n| {
                order_id += 1;
                order::ActiveModel {
                    shop_id: Set(shop_id),
                    id: Set(order_id),
                    session_id: Set(Some(format!("s-{}", rec_id(n)))),
                    currency: Set("USD".into()),
                    total_minor: Set(ORDER_MINOR),
                    placed_at: Set(now + Duration::minutes(5)),
                    ..Default::default()
                }
            })
            .collect();
        for chunk in ordered.chunks(500) {
            order::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&app.db.conn)
                .await
                .unwrap();
        }
    }
}

/// A started 50/50 experiment of the current settings against relevance only on product
/// pages, with `traffic` logged under it: the app, the shop, the experiment, and when.
async fn relevance_experiment(traffic: &[Logged]) -> (TestApp, i64, i64, DateTime<Utc>) {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let mut ab = holdout("relevance");
    ab["arms"][1] = json!({"name": "relevance", "share": 50, "policy": {"kind": "relevance_only"}});
    let id = started(&app, &key, &ab).await;
    let now = Utc::now();
    log_traffic(&app, shop_id, id, now, traffic).await;
    (app, shop_id, id, now)
}

#[tokio::test]
async fn a_guard_rail_stops_an_arm_whose_ctr_collapses_and_its_shoppers_get_the_control() {
    // The control clicked at 10 %, relevance-only at 2 %; both sell alike.
    let (app, shop_id, id, now) = relevance_experiment(&[
        Logged {
            arm: "control",
            clicks: 400,
            orders: 100,
        },
        Logged {
            arm: "relevance",
            clicks: 80,
            orders: 100,
        },
    ])
    .await;
    let key = app.demo_admin_key.clone().unwrap();
    let seed = some_product(&app).await;

    let tripped = services::experiments::guard::check(&app.db.conn, shop_id, now)
        .await
        .unwrap();

    assert_eq!(tripped.len(), 1);
    assert_eq!(tripped[0].arm, "relevance");
    assert!(
        tripped[0].reason.contains("CTR 2.00 %"),
        "{}",
        tripped[0].reason
    );
    let results =
        json(with_key(&app, &format!("/admin/api/experiments/{id}/results"), &key).await).await;
    let arm = &results["results"]["arms"][1];
    assert_eq!(
        arm["vs_control"]["ctr"]["decision"], "treatment_worse",
        "{results}"
    );
    assert!(
        arm["stopped"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("guard rail")
    );
    // A second check finds nothing more to stop; serving gives that arm the control.
    let again = services::experiments::guard::check(&app.db.conn, shop_id, now)
        .await
        .unwrap();
    assert!(again.is_empty());
    let found = store::get(&app.db.conn, shop_id, id).await.unwrap();
    let browser = browser_in(&found.definition.arms, &found.salt, "relevance", "");
    let body = serve(&app, seed, &browser, None).await;
    let (row, _) = app.impression(body["rec_id"].as_str().unwrap()).await;
    assert_eq!((row.experiment_id, row.arm), (Some(id), None));
}

#[tokio::test]
async fn a_guard_rail_stops_an_arm_whose_revenue_per_session_collapses_at_the_same_ctr() {
    // Both click at 5 %; 10 % of the control's sessions order 50.00, 2.5 % of the other's.
    let (app, shop_id, id, now) = relevance_experiment(&[
        Logged {
            arm: "control",
            clicks: 200,
            orders: 400,
        },
        Logged {
            arm: "relevance",
            clicks: 200,
            orders: 100,
        },
    ])
    .await;
    let key = app.demo_admin_key.clone().unwrap();

    let results =
        json(with_key(&app, &format!("/admin/api/experiments/{id}/results"), &key).await).await;
    let arms = &results["results"]["arms"];
    assert_eq!(arms[0]["revenue_per_session"]["n"], 4000, "{results}");
    assert_eq!(arms[0]["revenue_per_session"]["mean"], 500.0, "{results}");
    assert_eq!(arms[1]["revenue_per_session"]["mean"], 125.0, "{results}");
    assert_eq!(arms[1]["vs_control"]["ctr"]["decision"], "continue");
    let csv = with_key(
        &app,
        &format!("/admin/api/experiments/{id}/results.csv"),
        &key,
    )
    .await
    .text()
    .await
    .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("arm,share,control,stopped,shoppers,impressions,clicked,ctr,"));
    assert!(lines[1].starts_with("control,50,true,,"), "{csv}");
    assert!(
        lines[2].contains(",1.25,") && lines[2].ends_with(",treatment_worse"),
        "{csv}"
    );
    assert_eq!(
        arms[1]["vs_control"]["revenue_per_session"]["decision"],
        "treatment_worse"
    );

    let tripped = services::experiments::guard::check(&app.db.conn, shop_id, now)
        .await
        .unwrap();
    assert_eq!(tripped.len(), 1);
    assert_eq!(tripped[0].arm, "relevance");
    assert!(
        tripped[0]
            .reason
            .contains("revenue per session 1.25 USD against the control's 5.00 USD"),
        "{}",
        tripped[0].reason
    );

    // The nightly rollup gives each arm its daily rows, which the page draws per arm.
    let today = now.date_naive();
    services::rollups::rollup_day(&app.db.conn, shop_id, today, Default::default())
        .await
        .unwrap();
    let results =
        json(with_key(&app, &format!("/admin/api/experiments/{id}/results"), &key).await).await;
    let charts = results["daily"].as_array().unwrap();
    let titles: Vec<&str> = charts
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    // The logged answers list no items, so no CTR row exists to draw.
    assert_eq!(
        titles,
        [
            "Sessions discovering something new, per arm",
            "Revenue per session per arm (USD)"
        ]
    );
    let revenue = charts[1]["svg"].as_str().unwrap();
    assert!(
        revenue.contains(&format!("relevance {today}: 1.25")),
        "{revenue}"
    );
    assert!(
        revenue.contains(&format!("control {today}: 5.00")),
        "{revenue}"
    );
}

#[tokio::test]
async fn orders_before_an_arm_served_the_session_or_from_other_sessions_are_not_its_revenue() {
    let (app, shop_id, id, now) = relevance_experiment(&[
        Logged {
            arm: "control",
            clicks: 0,
            orders: 0,
        },
        Logged {
            arm: "relevance",
            clicks: 0,
            orders: 2,
        },
    ])
    .await;
    let key = app.demo_admin_key.clone().unwrap();
    // An order of a served session placed before it was served, and one of an unknown session.
    for (order_id, session, placed_at) in [
        (900, "s-control-1", now - Duration::minutes(1)),
        (901, "s-elsewhere", now + Duration::minutes(1)),
    ] {
        order::ActiveModel {
            shop_id: Set(shop_id),
            id: Set(order_id),
            session_id: Set(Some(session.into())),
            currency: Set("USD".into()),
            total_minor: Set(ORDER_MINOR),
            placed_at: Set(placed_at),
            ..Default::default()
        }
        .insert(&app.db.conn)
        .await
        .unwrap();
    }

    let results =
        json(with_key(&app, &format!("/admin/api/experiments/{id}/results"), &key).await).await;
    let arms = &results["results"]["arms"];
    assert_eq!(arms[0]["revenue_per_session"]["sum"], 0.0, "{results}");
    assert_eq!(arms[1]["revenue_per_session"]["sum"], 10_000.0, "{results}");
    assert_eq!(arms[1]["revenue_per_session"]["mean"], 2.5, "{results}");
}

#[tokio::test]
async fn customer_value_counts_each_arms_customers_orders_within_each_window_of_assignment() {
    let (app, shop_id, id, now) = relevance_experiment(&[]).await;
    let key = app.demo_admin_key.clone().unwrap();
    // Customers 501-504 assigned 100 days ago, two per arm (a browser id is no customer).
    let assigned = now - Duration::days(100);
    for (subject, arm) in [
        ("501", "control"),
        ("502", "control"),
        ("503", "relevance"),
        ("504", "relevance"),
        ("a-browser", "relevance"),
    ] {
        experiment_assignment::ActiveModel {
            shop_id: Set(shop_id),
            experiment_id: Set(id),
            subject_id: Set(subject.into()),
            arm: Set(arm.into()),
            assigned_at: Set(assigned),
        }
        .insert(&app.db.conn)
        .await
        .unwrap();
    }
    // 501 orders 40.00 on day 10 and 20.00 on day 80; 503 orders 30.00 on day 50; an order
    // before the assignment does not count.
    for (order_id, customer, day, total) in [
        (801, 501, 10, 4000),
        (802, 501, 80, 2000),
        (803, 503, 50, 3000),
        (804, 502, -5, 9900),
    ] {
        order::ActiveModel {
            shop_id: Set(shop_id),
            id: Set(order_id),
            customer_id: Set(Some(customer)),
            currency: Set("USD".into()),
            total_minor: Set(total),
            placed_at: Set(assigned + Duration::days(day)),
            ..Default::default()
        }
        .insert(&app.db.conn)
        .await
        .unwrap();
    }

    let results =
        json(with_key(&app, &format!("/admin/api/experiments/{id}/results"), &key).await).await;

    let value = &results["customer_value"];
    assert_eq!(value[0]["arm"], "control");
    assert_eq!(value[0]["customers"], 2);
    assert_eq!(
        value[1]["customers"], 2,
        "a browser is not a customer: {value}"
    );
    let window = |arm: usize, w: usize| &value[arm]["windows"][w];
    // 60 days: control (4000 + 0) / 2, relevance (3000 + 0) / 2.
    assert_eq!(window(0, 0)["days"], 60);
    assert_eq!(window(0, 0)["revenue_per_customer"], 2000.0);
    assert_eq!(window(1, 0)["revenue_per_customer"], 1500.0);
    assert_eq!(window(1, 0)["vs_control"]["difference"], -500.0);
    // 90 days: 501's second order counts; 180 days have not passed for anyone.
    assert_eq!(window(0, 1)["revenue_per_customer"], 3000.0);
    assert_eq!(window(0, 2)["customers"], 0);
}
