//! Category and collection pages: `GET /proxy/collections/{handle}` through the app proxy
//! and the demo's `GET /demo/categories/{id}` — ranked, paginated, personalised by the
//! session, brands spread, merchant rules kept, every page logged as an impression; and the
//! "Featured" badge of a pinned card.

use std::collections::{HashMap, HashSet};

use entity::{category, collection, product, product_collection};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use services::rules::RuleDoc;

use crate::helpers::{TestApp, app_proxy_query, json};
use crate::recs::{demo_app, items};

const DEMO_SHOP: &str = "meander-demo.myshopify.com";

/// The handle of the demo collection with the most products.
async fn biggest_collection(app: &TestApp, shop_id: i64) -> (String, usize) {
    let mut best = (String::new(), 0);
    for c in collection::Entity::find()
        .filter(collection::Column::ShopId.eq(shop_id))
        .all(&app.db.conn)
        .await
        .unwrap()
    {
        let members = product_collection::Entity::find()
            .filter(product_collection::Column::CollectionId.eq(c.id))
            .count(&app.db.conn)
            .await
            .unwrap();
        let members = usize::try_from(members).unwrap();
        if members > best.1 {
            best = (c.handle, members);
        }
    }
    best
}

async fn proxied(app: &TestApp, handle: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    app.get(&format!(
        "/proxy/collections/{handle}?{}",
        app_proxy_query(DEMO_SHOP, extra)
    ))
    .await
}

async fn collection_json(app: &TestApp, handle: &str, page: &str) -> Value {
    let response = proxied(
        app,
        handle,
        &[("format", "json"), ("page", page), ("session_id", "s-coll")],
    )
    .await;
    assert_eq!(response.status(), 200);
    json(response).await
}

fn ids(body: &Value) -> Vec<i64> {
    items(body)
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Saves `rule` as the merchant would (before the first request loads the shop's model).
async fn save_rule(app: &TestApp, shop_id: i64, rule: Value) {
    let doc: RuleDoc = serde_json::from_value(rule).unwrap();
    services::rules::store::create(&app.db.conn, shop_id, "test", &doc)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_collection_page_is_ranked_paginated_and_logged_as_a_category_impression() {
    let (app, shop_id) = demo_app(true).await;
    let (handle, members) = biggest_collection(&app, shop_id).await;
    assert!(members > 24, "{handle} has {members} products");

    let first = collection_json(&app, &handle, "1").await;
    let second = collection_json(&app, &handle, "2").await;
    let past_end = collection_json(&app, &handle, "999").await;

    assert_eq!(first["surface"], "category");
    let total = first["total"].as_u64().unwrap();
    assert!(
        total > 24 && total <= members as u64,
        "{total} of {members}"
    );
    let (one, two) = (ids(&first), ids(&second));
    assert_eq!(one.len(), 24);
    assert!(!two.is_empty() && two.iter().all(|id| !one.contains(id)));
    let positions: Vec<u64> = items(&second)
        .iter()
        .map(|i| i["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions[0], 25, "positions count across pages");
    assert_eq!(first["has_more"], true);
    assert!(ids(&past_end).is_empty());
    assert_eq!(past_end["total"], first["total"]);
    let (row, shown) = app.impression(first["rec_id"].as_str().unwrap()).await;
    assert_eq!(app.context(&row).await.surface, "category");
    assert_eq!(shown.iter().map(|s| s.product_id).collect::<Vec<_>>(), one);
    let (_, shown_second) = app.impression(second["rec_id"].as_str().unwrap()).await;
    assert_eq!(shown_second[0].position, 25);
}

#[tokio::test]
async fn bad_collection_requests_are_refused_with_a_code_and_never_a_server_error() {
    let (app, shop_id) = demo_app(true).await;
    let (handle, _) = biggest_collection(&app, shop_id).await;

    let unsigned = app
        .get(&format!("/proxy/collections/{handle}?shop={DEMO_SHOP}"))
        .await;
    let unknown = proxied(&app, "no-such-collection", &[("format", "json")]).await;
    let mut refusals = Vec::new();
    for (key, value) in [
        ("page", "0"),
        ("page", "two"),
        ("page", "-1"),
        ("sort", "cheapest"),
    ] {
        refusals.push(proxied(&app, &handle, &[(key, value)]).await);
    }

    assert_eq!(unsigned.status(), 401);
    assert_eq!(unknown.status(), 404);
    assert_eq!(json(unknown).await["error"], "not_found");
    for refusal in refusals {
        assert_eq!(refusal.status(), 400);
        assert_eq!(json(refusal).await["error"], "bad_request");
    }
}

#[tokio::test]
async fn a_collection_page_answers_liquid_in_the_themes_layout_and_sorts_by_price() {
    let (app, shop_id) = demo_app(true).await;
    let (handle, _) = biggest_collection(&app, shop_id).await;

    let page = proxied(&app, &handle, &[]).await;
    let cheap = collection_json_sorted(&app, &handle, "price_asc").await;

    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "application/liquid");
    let html = page.text().await.unwrap();
    assert!(!html.contains("{% layout none %}"), "in the theme's layout");
    assert!(html.contains("data-surface=\"category\""), "{html}");
    assert!(
        html.contains(&format!("action=\"/apps/meander/collections/{handle}\"")),
        "{html}"
    );
    assert!(html.contains("rel=\"next\""), "{html}");
    let view = services::catalog::view::load(&app.db.conn, shop_id, chrono::Utc::now())
        .await
        .unwrap();
    let prices: Vec<i64> = ids(&cheap)
        .iter()
        .map(|id| view.facts[id].price_minor)
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
}

async fn collection_json_sorted(app: &TestApp, handle: &str, sort: &str) -> Value {
    let response = proxied(app, handle, &[("format", "json"), ("sort", sort)]).await;
    assert_eq!(response.status(), 200);
    json(response).await
}

#[tokio::test]
async fn merchant_rules_for_category_pages_pin_exclude_and_read_featured() {
    let (app, shop_id) = demo_app(true).await;
    let (handle, _) = biggest_collection(&app, shop_id).await;
    let plain = items(&collection_json(&app, &handle, "1").await);
    let later = items(&collection_json(&app, &handle, "2").await);
    // A product of page 2 whose brand the top 8 lacks, so the brand cap leaves its slot be.
    let top_brands: Vec<&Value> = plain[..8].iter().map(|i| &i["brand"]).collect();
    let pinned: i64 = later
        .iter()
        .find(|i| !top_brands.contains(&&i["brand"]))
        .map(|i| i["product_id"].as_str().unwrap().parse().unwrap())
        .unwrap();
    let excluded: i64 = plain[0]["product_id"].as_str().unwrap().parse().unwrap();
    // The same demo shop (same seed) in a fresh app, with the rules saved before it loads.
    let (app, shop_id) = demo_app(true).await;
    save_rule(
        &app,
        shop_id,
        json!({"action": {"kind": "pin", "slot": 3}, "match": {"kind": "product", "product_id": pinned}, "surface": "category"}),
    )
    .await;
    save_rule(
        &app,
        shop_id,
        json!({"action": {"kind": "exclude"}, "match": {"kind": "product", "product_id": excluded}, "surface": "category"}),
    )
    .await;

    let first = collection_json(&app, &handle, "1").await;
    let all: Vec<i64> = [first.clone(), collection_json(&app, &handle, "2").await]
        .iter()
        .flat_map(ids)
        .collect();

    let third = &items(&first)[2];
    assert_eq!(third["product_id"], pinned.to_string(), "{first}");
    assert_eq!(third["reason"], "featured");
    assert_eq!(third["reason_text"], "Featured");
    assert!(!all.contains(&excluded));
    assert_eq!(all.iter().filter(|id| **id == pinned).count(), 1);
}

/// The leaf categories of the demo department with the most products, and the department.
async fn big_department(app: &TestApp, shop_id: i64) -> (String, HashMap<i64, String>) {
    let cats = category::Entity::find()
        .filter(category::Column::ShopId.eq(shop_id))
        .all(&app.db.conn)
        .await
        .unwrap();
    let products = product::Entity::find()
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::Status.eq("active"))
        .all(&app.db.conn)
        .await
        .unwrap();
    let parent: HashMap<&str, &str> = cats
        .iter()
        .filter_map(|c| Some((c.id.as_str(), c.parent_id.as_deref()?)))
        .collect();
    let mut per_top: HashMap<&str, HashMap<i64, String>> = HashMap::new();
    for p in &products {
        let Some(leaf) = p.category_id.as_deref() else {
            continue;
        };
        let top = parent.get(leaf).copied().unwrap_or(leaf);
        per_top
            .entry(top)
            .or_default()
            .insert(p.id, leaf.to_owned());
    }
    let (top, leaves) = per_top.into_iter().max_by_key(|(_, m)| m.len()).unwrap();
    (top.to_owned(), leaves)
}

fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// The product ids of a demo category page's own grid, in order.
async fn grid(client: &reqwest::Client, app: &TestApp, path: &str) -> Vec<i64> {
    let response = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let html = response.text().await.unwrap();
    let own = html
        .split("<section class=\"module\"")
        .next()
        .unwrap_or_default()
        .to_owned();
    own.split("href=\"/demo/products/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn the_demo_category_page_follows_what_the_shopper_just_viewed() {
    let (app, shop_id) = demo_app(true).await;
    let (top, leaves) = big_department(&app, shop_id).await;
    let path = format!("/demo/categories/{top}");
    let shopper = cookie_client();
    let before = grid(&shopper, &app, &path).await;
    // The leaf the first page shows least of, among those with products to spare.
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (id, leaf) in &leaves {
        let entry = counts.entry(leaf).or_default();
        entry.0 += 1;
        entry.1 += usize::from(before.contains(id));
    }
    let (leaf, _) = counts
        .iter()
        .filter(|(_, (all, shown))| all - shown >= 4)
        .min_by_key(|(leaf, (_, shown))| (*shown, **leaf))
        .unwrap();
    let leaf = (*leaf).to_owned();
    let in_leaf = |ids: &[i64]| ids.iter().filter(|id| leaves[*id] == leaf).count();
    let mut viewed = leaves
        .iter()
        .filter(|(id, l)| **l == leaf && !before.contains(id))
        .map(|(id, _)| *id)
        .collect::<Vec<_>>();
    viewed.sort_unstable();

    for id in &viewed[..2] {
        let response = shopper
            .get(format!("{}/demo/products/{id}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let after = grid(&shopper, &app, &path).await;
    let stranger = grid(&cookie_client(), &app, &path).await;

    assert_eq!(before.len(), 24);
    assert!(
        in_leaf(&after) > in_leaf(&before),
        "{leaf}: {} of 24 before, {} after",
        in_leaf(&before),
        in_leaf(&after)
    );
    assert_eq!(stranger, before, "another shopper's views change nothing");
    let distinct: HashSet<&i64> = after.iter().collect();
    assert_eq!(distinct.len(), after.len());
}

#[tokio::test]
async fn a_pinned_card_in_a_storefront_module_reads_featured() {
    let (app, shop_id) = demo_app(true).await;
    let seed = crate::recs::some_product(&app).await;
    let response = app
        .get(&format!("/demo/recs?surface=pdp&product_id={seed}"))
        .await;
    let shown = ids(&json(response).await);
    let view = services::catalog::view::load(&app.db.conn, shop_id, chrono::Utc::now())
        .await
        .unwrap();
    let mut in_stock: Vec<i64> = view
        .facts
        .iter()
        .filter(|(id, f)| f.available > 0 && **id != seed && !shown.contains(id))
        .map(|(id, _)| *id)
        .collect();
    in_stock.sort_unstable();
    let outsider = in_stock[0];
    let (app, shop_id) = demo_app(true).await;
    save_rule(
        &app,
        shop_id,
        json!({"action": {"kind": "pin", "slot": 2}, "match": {"kind": "product", "product_id": outsider}, "surface": "pdp"}),
    )
    .await;

    let body = json(
        app.get(&format!("/demo/recs?surface=pdp&product_id={seed}"))
            .await,
    )
    .await;

    let wanted = outsider.to_string();
    let card = items(&body)
        .into_iter()
        .find(|i| i["product_id"] == wanted.as_str())
        .unwrap_or_else(|| panic!("{outsider} pinned: {body}"));
    assert_eq!(card["reason"], "featured");
    assert_eq!(card["reason_text"], "Featured");
    assert!(card["reason_product_id"].is_null());
}
