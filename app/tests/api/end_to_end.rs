//! The whole pipeline as a real shop goes through it: installed by token exchange at the fake
//! Shopify, catalog synced by a bulk operation from the fake Admin API, storefront events
//! through `POST /events`, the training and precompute jobs, then recommendations through the
//! signed app proxy on every surface — rule-abiding, and logged with propensities.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use app::ServeOptions;
use chrono::{Duration, Utc};
use common::settings::{DemoSettings, ShopifySettings};
use entity::{ShopDomain, product, shop};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use services::shop_auth::ShopifyApp;
use shopify::ShopUrls;
use shopify::fake::FakeShopify;
use shopify::fake_admin::FakeAdmin;
use worker::jobs::{LoadDemoShop, PrecomputeLists, SyncCatalog, TrainModels};
use worker::{Job, JobContext};

use crate::helpers::{
    API_KEY, API_SECRET, TOKEN_KEY, TestApp, app_proxy_query, json, served_ids, spawn_app_with,
};

const DOMAIN: &str = "e2e-boutique.myshopify.com";
const SURFACES: [&str; 7] = [
    "home",
    "pdp",
    "cart",
    "email",
    "search",
    "post_purchase",
    "checkout",
];

fn shopify_settings(template: String) -> ShopifySettings {
    ShopifySettings {
        api_key: API_KEY.into(),
        api_secret: Some(API_SECRET.into()),
        token_encryption_key: Some(TOKEN_KEY.into()),
        shop_url_template: template,
        ..ShopifySettings::default()
    }
}

/// The worker's Shopify identity: tokens from the fake Shopify, Admin API at the fake Admin.
fn worker_shopify(fake: &FakeShopify, admin: &FakeAdmin) -> Arc<ShopifyApp> {
    let app = ShopifyApp::from_settings(&shopify_settings(fake.shop_url_template()))
        .unwrap()
        .unwrap();
    let mut app = Arc::try_unwrap(app).ok().unwrap();
    app.urls = ShopUrls::new(&admin.shop_url_template());
    Arc::new(app)
}

/// A catalog of the demo generator, rendered as the JSONL a products bulk operation returns.
fn catalog_jsonl() -> String {
    let settings = DemoSettings {
        products: 240,
        shoppers: 10,
        sessions: 10,
        ..Default::default()
    };
    let generated = demo::generate(&LoadDemoShop::from(&settings).config());
    let mut out = Vec::new();
    services::demo::jsonl::write(&generated, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

async fn install(app: &TestApp, fake: &FakeShopify) -> shop::Model {
    let token = fake.session_token(&ShopDomain::parse(DOMAIN).unwrap(), Utc::now().timestamp());
    let response = app
        .client
        .get(format!("{}/admin/api/session", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    shop::Entity::find()
        .filter(shop::Column::Domain.eq(DOMAIN))
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap()
}

/// Browsing sessions of four products of one category each, as the web pixel sends them.
async fn send_views(app: &TestApp, shop: &shop::Model) {
    let products = product::Entity::find()
        .filter(product::Column::ShopId.eq(shop.id))
        .order_by_asc(product::Column::CategoryId)
        .all(&app.db.conn)
        .await
        .unwrap();
    let at = Utc::now() - Duration::hours(2);
    let events: Vec<Value> = products
        .chunks(4)
        .enumerate()
        .flat_map(|(session, group)| {
            group.iter().enumerate().map(move |(i, p)| {
                json!({
                    "id": format!("v-{session}-{i}"), "kind": "view",
                    "occurred_at": (at + Duration::seconds(i64::try_from(i).unwrap() * 30)).to_rfc3339(),
                    "anonymous_id": format!("anon-{session}"), "session_id": format!("s-{session}"),
                    "product_id": p.id.to_string()
                })
            })
        })
        .collect();
    for batch in events.chunks(100) {
        app.post_events(shop.id, batch).await;
    }
}

#[tokio::test]
async fn an_installed_synced_trained_shop_gets_rule_abiding_logged_lists_on_every_surface() {
    let fake = FakeShopify::start(API_KEY, API_SECRET);
    let admin = FakeAdmin::start();
    let template = fake.shop_url_template();
    let app = spawn_app_with(ServeOptions { with_worker: false }, |s| {
        s.shopify = shopify_settings(template);
    })
    .await;
    let shop = install(&app, &fake).await;
    admin.set_result("products", catalog_jsonl());
    admin.set_result("collections", "");
    admin.set_result("orders", "");
    let ctx = JobContext::new(app.db.clone()).with_shopify(Some(worker_shopify(&fake, &admin)));

    SyncCatalog::now(shop.id).run(ctx.clone()).await.unwrap();
    send_views(&app, &shop).await;
    let train = TrainModels {
        shop_id: shop.id,
        window: None,
    };
    train.run(ctx.clone()).await.unwrap();
    let precompute = PrecomputeLists {
        shop_id: shop.id,
        window: None,
    };
    precompute.run(ctx.clone()).await.unwrap();

    let view = services::catalog::view::load(&app.db.conn, shop.id, Utc::now())
        .await
        .unwrap();
    assert!(view.catalog.len() > 200, "the catalog was synced");
    let items: HashMap<i64, &ranker::Item> = view
        .catalog
        .items()
        .iter()
        .map(|i| (i.external_id, i))
        .collect();
    let seed = view
        .catalog
        .items()
        .iter()
        .find(|i| i.in_stock)
        .unwrap()
        .external_id;
    for surface in SURFACES {
        let seed_text = seed.to_string();
        let query = app_proxy_query(
            DOMAIN,
            &[
                ("surface", surface),
                ("product_id", &seed_text),
                ("session_id", "s-0"),
                ("limit", "8"),
            ],
        );
        let response = app.get(&format!("/proxy/recs?{query}")).await;
        assert_eq!(response.status(), 200, "{surface}");
        let body = json(response).await;
        let shown = served_ids(&body);
        assert!(!shown.is_empty(), "{surface} served nothing");
        assert_rules(surface, seed, &shown, &body, &items);
        assert_logged(&app, surface, &body, shown.len()).await;
        if ["home", "pdp", "cart", "email"].contains(&surface) {
            assert!(
                body["list_version"].is_string(),
                "{surface} not precomputed"
            );
        }
    }
}

fn assert_rules(
    surface: &str,
    seed: i64,
    shown: &[i64],
    body: &Value,
    items: &HashMap<i64, &ranker::Item>,
) {
    let unique: HashSet<i64> = shown.iter().copied().collect();
    assert_eq!(unique.len(), shown.len(), "{surface}: duplicates {shown:?}");
    assert!(!shown.contains(&seed), "{surface}: the seed came back");
    let families: Vec<_> = shown.iter().filter_map(|id| items[id].family).collect();
    let distinct: HashSet<_> = families.iter().collect();
    assert_eq!(
        distinct.len(),
        families.len(),
        "{surface}: one item per variant family"
    );
    for id in shown {
        assert!(items[id].in_stock, "{surface}: {id} is out of stock");
    }
    let first: Vec<i64> = body["modules"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .take(8)
        .map(|i| i["product_id"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut per_brand: HashMap<_, usize> = HashMap::new();
    for id in &first {
        if let Some(brand) = items[id].brand {
            *per_brand.entry(brand).or_default() += 1;
        }
    }
    // Search keeps to the brand the shopper is after (branded search is tight by design).
    assert!(
        surface == "search" || per_brand.values().all(|n| *n <= 2),
        "{surface}: more than two of a brand in the top 8: {per_brand:?}"
    );
}

async fn assert_logged(app: &TestApp, surface: &str, body: &Value, shown: usize) {
    let (row, items) = app.impression(body["rec_id"].as_str().unwrap()).await;
    assert_eq!(items.len(), shown, "{surface}: every shown item is logged");
    assert_eq!(usize::try_from(row.item_count).unwrap(), shown);
    let positions: HashSet<i32> = items.iter().map(|i| i.position).collect();
    assert_eq!(positions.len(), shown, "{surface}: one position per item");
    for item in items {
        let p = item.propensity;
        assert!(p > 0.0 && p <= 1.0, "{surface}: propensity {p}");
        assert!(item.position >= 1);
    }
}
