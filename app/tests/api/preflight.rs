//! The off-policy preflight through the admin API: home answers served by the real serving
//! path, clicks logged against them, then the saved settings and a draft replayed on the log.

use chrono::Utc;
use entity::event;
use sea_orm::{EntityTrait, Set};
use serde_json::{Value, json};
use services::settings::SurfaceSettings;

use crate::admin_pages::demo_mode_app;
use crate::helpers::{TestApp, json};

async fn preflight(app: &TestApp, key: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/admin/api/preflight", app.address))
        .json(body);
    if let Some(key) = key {
        request = request.header("x-meander-demo-key", key);
    }
    request.send().await.unwrap()
}

/// Serves `answers` home lists of four to as many browsers and clicks the first item of every
/// `click_every`-th; returns the shown and clicked item counts.
async fn served_and_clicked(app: &TestApp, shop_id: i64, answers: usize) -> (usize, usize) {
    let (mut shown, mut clicks) = (0, 0);
    for n in 0..answers {
        let path = format!("/demo/recs?surface=home&limit=4&anonymous_id=pf-{n}");
        let body = json(app.get(&path).await).await;
        let rec_id = body["rec_id"].as_str().unwrap().to_owned();
        let (_, items) = app.impression(&rec_id).await;
        shown += items.len();
        if n % 3 == 0 {
            let now = Utc::now();
            event::Entity::insert(event::ActiveModel {
                shop_id: Set(shop_id),
                kind: Set("click".into()),
                anonymous_id: Set(format!("pf-{n}")),
                session_id: Set(format!("s-pf-{n}")),
                product_id: Set(Some(items[0].product_id)),
                rec_id: Set(Some(rec_id)),
                occurred_at: Set(now),
                received_at: Set(now),
                ..Default::default()
            })
            .exec(&app.db.conn)
            .await
            .unwrap();
            clicks += 1;
        }
    }
    (shown, clicks)
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

#[tokio::test]
async fn the_saved_settings_replay_the_log_and_a_different_draft_matches_less_of_it() {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let (shown, clicks) = served_and_clicked(&app, shop_id, 30).await;

    let saved = preflight(&app, Some(&key), &json!({"surface": "home"})).await;
    assert_eq!(saved.status(), 200);
    let saved = json(saved).await;
    let live = &saved["live"];
    assert_eq!(live["answers"], 30);
    assert_eq!(live["shown"].as_u64().unwrap() as usize, shown);
    assert_eq!(live["clicks"].as_u64().unwrap() as usize, clicks);
    let live_ctr = clicks as f64 / shown as f64;
    assert!((number(&live["ctr"]) - live_ctr).abs() < 1e-9);
    // Same request, same seed, same model: the replay serves what was logged.
    let current = &saved["current"];
    assert_eq!(
        current["matched"].as_u64().unwrap() as usize,
        shown,
        "{saved}"
    );
    assert!(
        (number(&current["snips"]) - live_ctr).abs() < 1e-9,
        "{saved}"
    );

    let mut draft = serde_json::to_value(SurfaceSettings::defaults(ranker::Surface::Home)).unwrap();
    draft["weights"] =
        json!({"relevance": 0.05, "intent": 0.0, "margin": 1.0, "inventory": 0.0, "novelty": 1.0});
    draft["exploration"]["enabled"] = json!(false);
    let drafted = json(
        preflight(
            &app,
            Some(&key),
            &json!({"surface": "home", "draft": draft}),
        )
        .await,
    )
    .await;
    let estimate = &drafted["draft"];
    let matched = estimate["matched"].as_u64().unwrap() as usize;
    assert!(
        matched < shown,
        "a margin-and-novelty ranking reorders the lists: {drafted}"
    );
    assert!(
        number(&estimate["effective_sample_size"]) < number(&current["effective_sample_size"]),
        "{drafted}"
    );
    assert!(
        estimate["warning"]
            .as_str()
            .unwrap()
            .contains("not to be trusted"),
        "{drafted}"
    );
}

#[tokio::test]
async fn bad_preflights_are_refused_and_an_empty_log_is_no_estimate() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let status = |body: Value, key: Option<String>| {
        let app = &app;
        async move {
            preflight(app, key.as_deref(), &body)
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(json!({"surface": "home"}), None).await, 401);
    assert_eq!(
        status(json!({"surface": "pdp"}), Some(key.clone())).await,
        400
    );
    assert_eq!(
        status(json!({"surface": "nowhere"}), Some(key.clone())).await,
        404
    );
    assert_eq!(
        status(json!({"surface": "home", "answers": 0}), Some(key.clone())).await,
        400
    );
    assert_eq!(
        status(
            json!({"surface": "home", "draft": {"weights": 3}}),
            Some(key.clone())
        )
        .await,
        422
    );
    let empty = json(preflight(&app, Some(&key), &json!({"surface": "email"})).await).await;
    assert_eq!(empty["live"], Value::Null, "{empty}");
    assert_eq!(empty["draft"], Value::Null, "{empty}");
}
