//! The off-policy preflight through the admin API: home answers served by the real serving
//! path, clicks logged against them, then the saved settings and a draft replayed on the log.

use chrono::{DateTime, Duration, Utc};
use entity::event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
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
            let click = Event {
                kind: "click",
                shopper: format!("pf-{n}"),
                product: items[0].product_id,
                rec_id: Some(rec_id),
                at: Utc::now(),
            };
            click.insert(app, shop_id).await;
            clicks += 1;
        }
    }
    (shown, clicks)
}

/// One storefront event of the shopper (and session) `shopper`.
struct Event {
    kind: &'static str,
    shopper: String,
    product: i64,
    rec_id: Option<String>,
    at: DateTime<Utc>,
}

impl Event {
    /// Sends the event as the web pixel does, so serving sees it as it sees a shopper's.
    async fn post(self, app: &TestApp, shop_id: i64) {
        let event = json!({
            "kind": self.kind, "occurred_at": self.at, "anonymous_id": self.shopper,
            "session_id": format!("s-{}", self.shopper), "product_id": self.product.to_string(),
            "rec_id": self.rec_id,
        });
        app.post_events(shop_id, &[event]).await;
    }

    async fn insert(self, app: &TestApp, shop_id: i64) {
        event::Entity::insert(event::ActiveModel {
            shop_id: Set(shop_id),
            kind: Set(self.kind.into()),
            session_id: Set(format!("s-{}", self.shopper)),
            anonymous_id: Set(self.shopper),
            product_id: Set(Some(self.product)),
            rec_id: Set(self.rec_id),
            occurred_at: Set(self.at),
            received_at: Set(self.at),
            ..Default::default()
        })
        .exec(&app.db.conn)
        .await
        .unwrap();
    }
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
    // Only the tuned surfaces are previewed (and every one of them is replayable).
    assert_eq!(
        status(json!({"surface": "category"}), Some(key.clone())).await,
        404
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
    for surface in ["email", "pdp"] {
        let empty = json(preflight(&app, Some(&key), &json!({"surface": surface})).await).await;
        assert_eq!(empty["live"], Value::Null, "{empty}");
        assert_eq!(empty["draft"], Value::Null, "{empty}");
    }
}

/// Serves a product page of each of `products` to its own session, after two views in that
/// session of the products next to it, and returns the shown items.
async fn product_pages_after_views(app: &TestApp, shop_id: i64, products: &[i64]) -> usize {
    let mut shown = 0;
    for (n, product) in products.iter().enumerate() {
        let shopper = format!("pdp-{n}");
        for (ago, viewed) in [
            (40, products[(n + 1) % products.len()]),
            (20, products[(n + 2) % products.len()]),
        ] {
            let view = Event {
                kind: "view",
                shopper: shopper.clone(),
                product: viewed,
                rec_id: None,
                at: Utc::now() - Duration::seconds(ago),
            };
            view.post(app, shop_id).await;
        }
        let path = format!(
            "/demo/recs?surface=pdp&limit=6&product_id={product}&anonymous_id={shopper}&session_id=s-{shopper}"
        );
        let body = json(app.get(&path).await).await;
        let (row, items) = app.impression(body["rec_id"].as_str().unwrap()).await;
        assert_eq!(
            app.answer(&row).await.asked.products,
            [*product],
            "the page's product is logged"
        );
        shown += items.len();
    }
    shown
}

#[tokio::test]
async fn product_page_answers_replay_with_their_product_and_the_session_before_them() {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let home = json(app.get("/demo/recs?surface=home&limit=12").await).await;
    let products: Vec<i64> = home["modules"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["product_id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(products.len() >= 6, "{home}");
    let shown = product_pages_after_views(&app, shop_id, &products).await;
    // What the shoppers did after their answers is not what the answers saw.
    for n in 0..products.len() {
        let later = Event {
            kind: "view",
            shopper: format!("pdp-{n}"),
            product: products[(n + 3) % products.len()],
            rec_id: None,
            at: Utc::now() + Duration::seconds(2),
        };
        later.post(&app, shop_id).await;
    }

    let answer = json(preflight(&app, Some(&key), &json!({"surface": "pdp"})).await).await;
    assert_eq!(answer["live"]["answers"], products.len(), "{answer}");
    assert_eq!(answer["live"]["shown"].as_u64().unwrap() as usize, shown);
    // The same product, session and moment: the replay serves what was logged.
    assert_eq!(
        answer["current"]["matched"].as_u64().unwrap() as usize,
        shown,
        "{answer}"
    );

    // On home the session's products are what the list is about and are not shown back: a
    // new shopper who viewed the generic list's first two products is shown neither.
    let mut shown = 0;
    for n in 0..4 {
        let shopper = format!("home-{n}");
        for viewed in &products[..2] {
            let view = Event {
                kind: "view",
                shopper: shopper.clone(),
                product: *viewed,
                rec_id: None,
                at: Utc::now() - Duration::seconds(30),
            };
            view.post(&app, shop_id).await;
        }
        let path = format!(
            "/demo/recs?surface=home&limit=12&anonymous_id={shopper}&session_id=s-{shopper}"
        );
        let body = json(app.get(&path).await).await;
        let (_, items) = app.impression(body["rec_id"].as_str().unwrap()).await;
        assert!(
            items.iter().all(|i| !products[..2].contains(&i.product_id)),
            "{body}"
        );
        shown += items.len();
    }
    // The shown count includes the generic list asked for above.
    let (matched, live, answer) = home_replayed(&app, &key).await;
    assert!(live > shown, "{answer}");
    assert_eq!(matched, live, "{answer}");
    // Replayed without the views, the lists show the viewed products again.
    event::Entity::delete_many()
        .filter(event::Column::Kind.eq("view"))
        .exec(&app.db.conn)
        .await
        .unwrap();
    let (matched, _, answer) = home_replayed(&app, &key).await;
    assert!(matched < live, "{answer}");
}

/// The home preflight's matched and live shown items under the saved settings.
async fn home_replayed(app: &TestApp, key: &str) -> (usize, usize, Value) {
    let answer = json(preflight(app, Some(key), &json!({"surface": "home"})).await).await;
    let count = |v: &Value| v.as_u64().unwrap() as usize;
    (
        count(&answer["current"]["matched"]),
        count(&answer["live"]["shown"]),
        answer,
    )
}

#[tokio::test]
async fn search_answers_replay_with_their_query_and_page() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let queries = [
        ("kitchen", 1),
        ("gifts under 100", 1),
        ("jeans", 2),
        ("cardigan", 1),
    ];
    let mut answered = 0;
    for (n, (query, page)) in queries.iter().enumerate() {
        let path = format!(
            "/demo/search?q={}&page={page}&anonymous_id=q-{n}&session_id=s-q-{n}",
            query.replace(' ', "+")
        );
        let body = json(app.get(&path).await).await;
        let (row, _) = app.impression(body["rec_id"].as_str().unwrap()).await;
        let asked = app.answer(&row).await.asked;
        assert_eq!(
            (asked.query.as_deref(), asked.page),
            (Some(*query), Some(*page))
        );
        answered += usize::from(row.item_count > 0);
    }

    // An empty page is logged but holds nothing to replay.
    let answer = json(preflight(&app, Some(&key), &json!({"surface": "search"})).await).await;
    assert!(answered >= 2, "{answer}");
    assert_eq!(answer["live"]["answers"], answered, "{answer}");
    let shown = answer["live"]["shown"].as_u64().unwrap();
    assert!(shown > 0, "{answer}");
    assert_eq!(
        answer["current"]["matched"].as_u64().unwrap(),
        shown,
        "{answer}"
    );
}
