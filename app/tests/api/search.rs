//! `GET /demo/search` and `GET /proxy/search`: constraints kept, misspellings found, generic
//! queries diversified, bad input answered without a 5xx, every answer logged.

use std::collections::{HashMap, HashSet};

use entity::{category, product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::helpers::{TestApp, app_proxy_query, json};
use crate::recs::{demo_app, items};

const DEMO_SHOP: &str = "meander-demo.myshopify.com";

/// What the tests check served products against: brand, leaf category name and its parent's,
/// lowest price and stock, as the serving model derives them.
struct Truth {
    brand: HashMap<i64, String>,
    categories: HashMap<i64, Vec<String>>,
    price: HashMap<i64, i64>,
    in_stock: HashMap<i64, bool>,
}

impl Truth {
    async fn load(app: &TestApp, shop_id: i64) -> Self {
        let conn = &app.db.conn;
        let view = services::catalog::view::load(conn, shop_id, chrono::Utc::now())
            .await
            .unwrap();
        let cats: HashMap<String, category::Model> = category::Entity::find()
            .filter(category::Column::ShopId.eq(shop_id))
            .all(conn)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let rows = product::Entity::find()
            .filter(product::Column::ShopId.eq(shop_id))
            .all(conn)
            .await
            .unwrap();
        let mut truth = Self {
            brand: HashMap::new(),
            categories: HashMap::new(),
            price: HashMap::new(),
            in_stock: HashMap::new(),
        };
        for row in rows
            .into_iter()
            .filter(|r| view.catalog.id_of(r.id).is_some())
        {
            let mut names = Vec::new();
            let mut at = row.category_id.as_ref().and_then(|c| cats.get(c));
            while let Some(c) = at {
                names.push(c.name.clone());
                at = c.parent_id.as_ref().and_then(|p| cats.get(p));
            }
            truth.categories.insert(row.id, names);
            truth.brand.insert(row.id, row.brand.clone());
            let fact = &view.facts[&row.id];
            truth.price.insert(row.id, fact.price_minor);
            truth.in_stock.insert(row.id, fact.available > 0);
        }
        truth
    }

    /// The brand with the most active products.
    fn big_brand(&self) -> String {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for brand in self.brand.values() {
            *counts.entry(brand).or_default() += 1;
        }
        let (brand, _) = counts.into_iter().max_by_key(|(b, n)| (*n, *b)).unwrap();
        brand.to_owned()
    }

    /// The leaf category with the most active products.
    fn big_leaf(&self) -> String {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for names in self.categories.values() {
            *counts.entry(&names[0]).or_default() += 1;
        }
        let (leaf, _) = counts.into_iter().max_by_key(|(c, n)| (*n, *c)).unwrap();
        leaf.to_owned()
    }

    /// Every active product of the leaf `name`.
    fn in_leaf(&self, name: &str) -> Vec<i64> {
        let ids = self.categories.iter().filter(|(_, c)| c[0] == name);
        ids.map(|(id, _)| *id).collect()
    }
}

fn ids(body: &Value) -> Vec<i64> {
    items(body)
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let response = app
        .get(&format!("/demo/search?q={q}&session_id=s-search"))
        .await;
    assert_eq!(response.status(), 200, "{query}");
    json(response).await
}

#[tokio::test]
async fn a_brand_query_returns_only_that_brand_in_stock_first() {
    let (app, shop_id) = demo_app(true).await;
    let truth = Truth::load(&app, shop_id).await;
    let brand = truth.big_brand();

    let body = search(&app, &brand.to_uppercase()).await;

    let shown = ids(&body);
    assert!(!shown.is_empty(), "{body}");
    assert_eq!(body["query"]["class"], "branded");
    assert!(shown.iter().all(|id| truth.brand[id] == brand), "{body}");
    let stock: Vec<bool> = shown.iter().map(|id| truth.in_stock[id]).collect();
    let first_out = stock.iter().position(|s| !s).unwrap_or(stock.len());
    assert!(
        stock[first_out..].iter().all(|s| !s),
        "out of stock sinks: {stock:?}"
    );
}

#[tokio::test]
async fn a_misspelt_brand_still_finds_the_brand() {
    let (app, shop_id) = demo_app(true).await;
    let truth = Truth::load(&app, shop_id).await;
    let brand = truth.big_brand();
    // Replace one letter of the brand's longest word (one edit away).
    let word = brand.split(' ').max_by_key(|w| w.len()).unwrap();
    assert!(
        word.chars().count() >= 5,
        "a brand word long enough to misspell: {brand}"
    );
    let typo = if word.chars().nth(2) == Some('x') {
        "z"
    } else {
        "x"
    };
    let misspelt_word: String = word
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 2 {
                typo.to_owned()
            } else {
                c.to_string()
            }
        })
        .collect();
    let misspelt = brand.replace(word, &misspelt_word);

    let body = search(&app, &misspelt).await;

    let shown = ids(&body);
    assert!(!shown.is_empty(), "{misspelt}: {body}");
    assert_eq!(body["query"]["brand"], brand.as_str());
    assert!(shown.iter().all(|id| truth.brand[id] == brand), "{body}");
}

#[tokio::test]
async fn a_category_under_a_price_keeps_to_both() {
    let (app, shop_id) = demo_app(true).await;
    let truth = Truth::load(&app, shop_id).await;
    let leaf = truth.big_leaf();
    let mut prices: Vec<i64> = truth
        .in_leaf(&leaf)
        .iter()
        .map(|id| truth.price[id])
        .collect();
    prices.sort_unstable();
    let limit = prices[prices.len() / 2] / 100 + 1;

    let body = search(&app, &format!("{} under {limit}", leaf.to_lowercase())).await;

    let shown = ids(&body);
    assert!(!shown.is_empty(), "{body}");
    assert_eq!(body["query"]["price_max_minor"], limit * 100);
    for id in &shown {
        assert_eq!(truth.categories[id][0], leaf, "{body}");
        assert!(truth.price[id] <= limit * 100, "{body}");
    }
    let expected = prices.iter().filter(|p| **p <= limit * 100).count();
    assert_eq!(shown.len(), expected.min(24), "every match, a page at most");
}

#[tokio::test]
async fn a_generic_query_spans_several_categories() {
    let (app, shop_id) = demo_app(true).await;
    let truth = Truth::load(&app, shop_id).await;

    for query in ["gifts", "gifts under 100"] {
        let body = search(&app, query).await;

        assert_eq!(body["query"]["class"], "generic", "{body}");
        let top: HashSet<&String> = ids(&body)
            .iter()
            .take(10)
            .map(|id| &truth.categories[id][0])
            .collect();
        assert!(top.len() >= 3, "{query}: {top:?}");
    }
}

#[tokio::test]
async fn pages_follow_each_other_without_repeats_and_end_empty() {
    let (app, _) = demo_app(true).await;
    let first = search(&app, "gifts").await;
    let response = app.get("/demo/search?q=gifts&page=2").await;
    let second = json(response).await;

    let (a, b) = (ids(&first), ids(&second));
    assert_eq!(a.len(), 24);
    assert_eq!(first["has_more"], true);
    let repeated = b.iter().filter(|id| a.contains(id)).count();
    assert!(
        repeated <= 1,
        "at most page 1's explored slot repeats: {repeated}"
    );
    assert_eq!(items(&second)[0]["position"], 25);

    let past = json(app.get("/demo/search?q=gifts&page=999").await).await;
    assert!(ids(&past).is_empty());
    assert_eq!(past["has_more"], false);
}

#[tokio::test]
async fn bad_queries_never_cost_a_server_error() {
    let (app, _) = demo_app(true).await;
    let huge = "a".repeat(10_000);
    let cases = [
        ("", 200),
        ("%20%20%20", 200),
        ("%F0%9F%91%97%20dr%C3%A9ss%20%C3%BCnder%2050", 200),
        ("%27%3B%20DROP%20TABLE%20products%3B%20--", 200),
        ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200),
        ("%7B%7B%20customer.email%20%7D%7D", 200),
        ("under%20between%20-%20%24%24", 200),
        (huge.as_str(), 400),
    ];
    for (q, status) in cases {
        let response = app.get(&format!("/demo/search?q={q}")).await;
        assert_eq!(response.status(), status, "{}", &q[..q.len().min(40)]);
        let body = json(response).await;
        if status == 400 {
            assert_eq!(body["error"], "bad_request", "{body}");
            assert!(body["message"].is_string());
        }
    }
    let empty = json(app.get("/demo/search?q=").await).await;
    assert!(
        ids(&empty).is_empty(),
        "an empty query finds nothing: {empty}"
    );
    for page in ["0", "-1", "abc", "1001", "99999999999999999999"] {
        let response = app.get(&format!("/demo/search?q=gifts&page={page}")).await;
        assert_eq!(response.status(), 400, "page {page}");
    }
    let missing = app.get("/demo/search").await;
    assert_eq!(missing.status(), 200);
}

#[tokio::test]
async fn every_answer_is_logged_as_a_search_impression() {
    let (app, _) = demo_app(true).await;

    let body = search(&app, "gifts under 100").await;

    let rec_id = body["rec_id"].as_str().unwrap();
    let (row, shown) = app.impression(rec_id).await;
    assert_eq!(app.context(&row).await.surface, "search");
    assert_eq!(row.session_id, "s-search");
    assert_eq!(shown.len(), ids(&body).len());
    assert!(shown.iter().all(|s| s.module == "search_results"));
    assert_eq!(
        shown.iter().map(|s| s.product_id).collect::<Vec<_>>(),
        ids(&body)
    );
}

#[tokio::test]
async fn the_proxy_requires_a_signature_and_answers_a_liquid_results_page() {
    let (app, _) = demo_app(true).await;

    let unsigned = app
        .get("/proxy/search?q=gifts&shop=meander-demo.myshopify.com")
        .await;
    assert_eq!(unsigned.status(), 401);
    let page = app
        .get(&format!(
            "/proxy/search?{}",
            app_proxy_query(DEMO_SHOP, &[("q", "gifts {{ shop.name }}")])
        ))
        .await;
    let as_json = app
        .get(&format!(
            "/proxy/search?{}",
            app_proxy_query(DEMO_SHOP, &[("q", "gifts"), ("format", "json")])
        ))
        .await;

    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "application/liquid");
    let html = page.text().await.unwrap();
    assert!(!html.contains("{% layout none %}"), "in the theme's layout");
    assert!(html.contains(r#"action="/apps/meander/search""#), "{html}");
    assert!(html.contains("data-position=\"1\""), "{html}");
    assert!(
        !html.contains("{{ shop.name }}"),
        "the query is escaped: {html}"
    );
    assert_eq!(as_json.status(), 200);
    let body = json(as_json).await;
    assert_eq!(body["surface"], "search");
    assert!(!ids(&body).is_empty());
}

#[tokio::test]
async fn the_demo_storefront_has_a_results_page_with_a_search_box() {
    let (app, _) = demo_app(true).await;

    let response = app.get("/demo/results?q=gifts%20under%20100").await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("Results for"), "{html}");
    assert!(
        html.contains(r#"action="/demo/results""#),
        "the header's search box"
    );
    assert!(
        html.contains("href=\"/demo/products/"),
        "result cards: {html}"
    );
    assert!(html.contains("rel=\"next\""), "a link to page 2");
}
