//! `format=liquid` on the recommendation endpoints: what Shopify's app proxy renders in the theme.

use entity::domain::RecId;
use entity::product;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::helpers::{TestApp, json};
use crate::recs::{demo_app, some_product};

const DEMO_SHOP: &str = "meander-demo.myshopify.com";

fn signed_query(extra: &[(&str, &str)]) -> String {
    crate::helpers::app_proxy_query(DEMO_SHOP, extra)
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Renames a product the seed is likely to be recommended with, to a hostile title.
async fn poison_titles(app: &TestApp, title: &str) {
    for row in product::Entity::find().all(&app.db.conn).await.unwrap() {
        let mut active: product::ActiveModel = row.into();
        active.title = Set(title.to_owned());
        active.update(&app.db.conn).await.unwrap();
    }
}

#[tokio::test]
async fn the_proxy_answers_liquid_with_the_rec_id_on_every_card() {
    let (app, _) = demo_app(true).await;
    let seed = some_product(&app).await.to_string();

    let response = app
        .get(&format!(
            "/proxy/recs?{}",
            signed_query(&[
                ("surface", "pdp"),
                ("product_id", &seed),
                ("format", "liquid")
            ])
        ))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "application/liquid");
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let body = response.text().await.unwrap();
    assert!(body.starts_with("{% layout none %}"), "{body}");
    let rec_id = body
        .split("data-rec-id=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert_eq!(RecId::parse(rec_id).unwrap().to_string(), rec_id);
    let cards = body.matches("<li class=\"meander-card\"").count();
    assert!(cards > 0, "{body}");
    assert_eq!(
        body.matches(&format!("data-rec-id=\"{rec_id}\"")).count(),
        cards + 1,
        "the fragment and every card carry the rec id"
    );
    assert_eq!(body.matches("data-position=\"").count(), cards);
    assert!(body.contains("all_products['"), "{body}");
}

#[tokio::test]
async fn json_stays_the_default_and_equals_format_json() {
    let (app, _) = demo_app(true).await;

    let default = app.get("/demo/recs?surface=home").await;
    let explicit = app.get("/demo/recs?surface=home&format=json").await;

    for response in [default, explicit] {
        assert_eq!(response.status(), 200);
        assert!(content_type(&response).starts_with("application/json"));
        assert!(json(response).await["rec_id"].is_string());
    }
}

#[tokio::test]
async fn merchant_titles_are_escaped_for_html_and_liquid() {
    let (app, _) = demo_app(true).await;
    poison_titles(
        &app,
        "Dress {{ customer.email }} <img src=x onerror=alert(1)> & \"co\"",
    )
    .await;
    let seed = some_product(&app).await;

    let response = app
        .get(&format!(
            "/demo/recs?surface=pdp&product_id={seed}&format=liquid"
        ))
        .await;

    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(
        body.contains(
            "Dress &#123;&#123; customer.email &#125;&#125; &lt;img src=x onerror=alert(1)&gt; \
             &amp; &quot;co&quot;"
        ),
        "{body}"
    );
    assert!(!body.contains("{{ customer"), "Liquid injection: {body}");
    assert!(!body.contains("<img src=x"), "HTML injection: {body}");
}

#[tokio::test]
async fn errors_stay_json_when_liquid_is_asked_for() {
    let (app, _) = demo_app(false).await;

    for (path, status) in [
        ("/demo/recs?surface=basement&format=liquid", 400),
        ("/demo/recs?surface=home&format=xml", 400),
        ("/demo/recs?surface=pdp&product_id=12345&format=liquid", 404),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        assert!(
            content_type(&response).starts_with("application/json"),
            "{path}"
        );
        let body = json(response).await;
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{path}: {body}"
        );
    }
    let unsigned = app
        .get("/proxy/recs?surface=home&format=liquid&shop=meander-demo.myshopify.com")
        .await;
    assert_eq!(unsigned.status(), 401);
    assert_eq!(json(unsigned).await["error"], "unauthorized");
}

#[tokio::test]
async fn a_bad_format_logs_no_impression() {
    let (app, _) = demo_app(false).await;

    app.get("/demo/recs?surface=home&format=xml").await;

    assert_eq!(app.impression_count().await, 0);
}
