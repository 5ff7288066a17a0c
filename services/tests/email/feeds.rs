//! Web feeds: cohorts per feed, their caps, the size budget, and the impressions their
//! links are attributed to.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use entity::{
    category, collection, email_feed, event, impression, inventory, product, product_collection,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use services::email::feeds::{self, FeedKind, MAX_FEED_BYTES};

use crate::helpers::{PRODUCTS, Rig, rig};

/// Products 1-6 are kitchen items, 7-12 boots. Brands: 1-3 "Acme", 7-9 "Trek", the rest
/// their own. Published `id` days ago, except 11 and 12 (200 days). Product 6 is sold out;
/// 11 was restocked two days ago, 12 a month ago.
async fn shop_for_feeds(rig: &Rig) {
    let conn = &rig.db.conn;
    let shop_id = rig.shop.id;
    let now = Utc::now();
    for (id, name, parent, path, depth) in [
        ("home", "Home", None, "Home", 1),
        ("kitchen", "Kitchen", Some("home"), "Home > Kitchen", 2),
        ("apparel", "Apparel", None, "Apparel", 1),
        ("boots", "Boots", Some("apparel"), "Apparel > Boots", 2),
    ] {
        category::ActiveModel {
            shop_id: Set(shop_id),
            id: Set(id.into()),
            name: Set(name.into()),
            parent_id: Set(parent.map(Into::into)),
            full_path: Set(path.into()),
            depth: Set(depth),
        }
        .insert(conn)
        .await
        .unwrap();
    }
    for id in 1..=PRODUCTS {
        let brand = match id {
            1..=3 => "Acme".to_owned(),
            7..=9 => "Trek".to_owned(),
            other => format!("Brand {other}"),
        };
        let age = if id >= 11 { 200 } else { id };
        let mut row: product::ActiveModel = product::Entity::find_by_id((shop_id, id))
            .one(conn)
            .await
            .unwrap()
            .unwrap()
            .into();
        row.category_id = Set(Some(if id <= 6 { "kitchen" } else { "boots" }.into()));
        row.brand = Set(brand);
        row.published_at = Set(now - Duration::days(age));
        row.update(conn).await.unwrap();
        let restocked_at = match id {
            11 => Some(now - Duration::days(2)),
            12 => Some(now - Duration::days(30)),
            _ => None,
        };
        inventory::ActiveModel {
            shop_id: Set(shop_id),
            variant_id: Set(100 + id),
            inventory_item_id: Set(Some(500 + id)),
            available: Set(if id == 6 { 0 } else { 5 }),
            unit_cost_minor: Set(None),
            updated_at: Set(now),
            source_updated_at: Set(Some(now)),
            restocked_at: Set(restocked_at),
        }
        .insert(conn)
        .await
        .unwrap();
    }
    collection::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(1),
        handle: Set("summer-picks".into()),
        title: Set("Summer picks".into()),
        source_updated_at: Set(now),
    }
    .insert(conn)
    .await
    .unwrap();
    for (position, product_id) in [3, 8, 9, 6].into_iter().enumerate() {
        product_collection::ActiveModel {
            shop_id: Set(shop_id),
            collection_id: Set(1),
            product_id: Set(product_id),
            position: Set(i32::try_from(position).unwrap()),
        }
        .insert(conn)
        .await
        .unwrap();
    }
    // Engagement: 9 → 10 views, 3 → 2 adds (6), 8 → 1 purchase (5), sold-out 6 → 20 views.
    let activity = [
        (9, "view", 10),
        (3, "add_to_cart", 2),
        (8, "purchase", 1),
        (6, "view", 20),
    ];
    for (product_id, kind, times) in activity {
        for n in 0..times {
            insert_event(rig, product_id, kind, n).await;
        }
    }
}

async fn insert_event(rig: &Rig, product_id: i64, kind: &str, n: i32) {
    let at = Utc::now() - Duration::hours(1);
    event::ActiveModel {
        shop_id: Set(rig.shop.id),
        client_event_id: Set(Some(format!("{kind}-{product_id}-{n}"))),
        kind: Set(kind.into()),
        anonymous_id: Set(format!("a{n}")),
        session_id: Set(format!("s{n}")),
        product_id: Set(Some(product_id)),
        occurred_at: Set(at),
        received_at: Set(at),
        ..Default::default()
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
}

async fn document(rig: &Rig, kind: FeedKind) -> Value {
    let feed = feeds::built(&rig.db.conn, rig.shop.id, kind)
        .await
        .unwrap()
        .unwrap();
    serde_json::from_str(&feed.body).unwrap()
}

/// Product ids of a cohort, in order.
fn ids(document: &Value, cohort: &str) -> Vec<i64> {
    document["cohorts"][cohort]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no cohort {cohort} in {document}"))
        .iter()
        .map(|item| item["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn new_arrivals_are_recent_in_stock_newest_first_and_brand_capped() {
    let rig = rig().await;
    shop_for_feeds(&rig).await;

    feeds::rebuild(&rig.db.conn, &rig.shop, Utc::now(), MAX_FEED_BYTES)
        .await
        .unwrap();

    let doc = document(&rig, FeedKind::NewArrivals).await;
    // Kitchen: 1, 2 (Acme twice), 3 is a third Acme, 4, 5; 6 is sold out.
    assert_eq!(ids(&doc, "home_kitchen"), vec![1, 2, 4, 5]);
    // Boots: 7, 8 (Trek twice), 9 is a third Trek, 10; 11 and 12 are old.
    assert_eq!(ids(&doc, "apparel_boots"), vec![7, 8, 10]);
    // Shop-wide: newest first, at most three per category.
    assert_eq!(ids(&doc, "all"), vec![1, 2, 4, 7, 8, 10]);
    assert_eq!(doc["cohorts"]["home_kitchen"]["title"], "Kitchen");
    assert_eq!(doc["currency"], "EUR");
}

#[tokio::test]
async fn trending_follows_engagement_per_collection_without_sold_out_items() {
    let rig = rig().await;
    shop_for_feeds(&rig).await;

    feeds::rebuild(&rig.db.conn, &rig.shop, Utc::now(), MAX_FEED_BYTES)
        .await
        .unwrap();

    let doc = document(&rig, FeedKind::Trending).await;
    assert_eq!(ids(&doc, "all"), vec![9, 3, 8]);
    assert_eq!(ids(&doc, "summer_picks"), vec![9, 3, 8]);
    let first = &doc["cohorts"]["summer_picks"]["items"][0];
    assert_eq!(first["reason"], "Trending in Summer picks");
}

#[tokio::test]
async fn back_in_stock_lists_only_recent_restocks() {
    let rig = rig().await;
    shop_for_feeds(&rig).await;

    feeds::rebuild(&rig.db.conn, &rig.shop, Utc::now(), MAX_FEED_BYTES)
        .await
        .unwrap();

    let doc = document(&rig, FeedKind::BackInStock).await;
    assert_eq!(ids(&doc, "all"), vec![11]);
    assert_eq!(ids(&doc, "apparel_boots"), vec![11]);
    assert_eq!(doc["cohorts"].as_object().unwrap().len(), 2);
}

#[tokio::test]
async fn each_cohort_is_logged_once_under_the_rec_id_its_links_carry() {
    let rig = rig().await;
    shop_for_feeds(&rig).await;

    feeds::rebuild(&rig.db.conn, &rig.shop, Utc::now(), MAX_FEED_BYTES)
        .await
        .unwrap();
    feeds::rebuild(&rig.db.conn, &rig.shop, Utc::now(), MAX_FEED_BYTES)
        .await
        .unwrap();

    let logged: HashMap<String, impression::Model> = impression::Entity::find()
        .filter(impression::Column::ShopId.eq(rig.shop.id))
        .all(&rig.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.rec_id(), row))
        .collect();
    let mut cohorts = 0;
    for kind in FeedKind::ALL {
        let doc = document(&rig, kind).await;
        for (key, cohort) in doc["cohorts"].as_object().unwrap() {
            cohorts += 1;
            let rec_id = cohort["rec_id"].as_str().unwrap();
            let row = &logged[rec_id];
            let answer = services::signals::impression::answer(&rig.db.conn, row)
                .await
                .unwrap();
            assert_eq!(answer.context.surface, "email");
            let shown: Vec<i64> = answer.items.iter().map(|item| item.product_id).collect();
            assert_eq!(shown, ids(&doc, key), "{rec_id}");
            for item in cohort["items"].as_array().unwrap() {
                let url = item["url"].as_str().unwrap();
                assert!(url.contains(&format!("meander_rec={rec_id}")), "{url}");
                assert!(url.contains("utm_medium=email"), "{url}");
            }
        }
    }
    assert_eq!(logged.len(), cohorts, "a rebuild must not log twice");
}

#[tokio::test]
async fn a_feed_over_the_size_budget_leaves_cohorts_out_and_stays_within_it() {
    let rig = rig().await;
    shop_for_feeds(&rig).await;
    let budget = 2_000;

    let summaries = feeds::rebuild(&rig.db.conn, &rig.shop, Utc::now(), budget)
        .await
        .unwrap();

    let new_arrivals = summaries
        .iter()
        .find(|s| s.kind == FeedKind::NewArrivals)
        .unwrap();
    assert!(new_arrivals.dropped > 0, "{new_arrivals:?}");
    let rows = email_feed::Entity::find()
        .filter(email_feed::Column::ShopId.eq(rig.shop.id))
        .all(&rig.db.conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert!(row.body.len() <= budget, "{}: {}", row.kind, row.body.len());
        let doc: Value = serde_json::from_str(&row.body).unwrap();
        let keys: HashSet<&String> = doc["cohorts"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), usize::try_from(row.cohorts).unwrap());
    }
}

#[tokio::test]
async fn a_feed_token_is_stable_until_rotated_and_only_the_current_one_opens_the_feed() {
    let rig = rig().await;
    let conn = &rig.db.conn;
    assert!(!feeds::has_feeds(conn, rig.shop.id).await.unwrap());

    let token = feeds::feed_token(conn, rig.shop.id).await.unwrap();

    assert_eq!(feeds::feed_token(conn, rig.shop.id).await.unwrap(), token);
    assert_eq!(
        feeds::shop_of_token(conn, &token).await.unwrap(),
        Some(rig.shop.id)
    );
    let rotated = feeds::rotate_feed_token(conn, rig.shop.id).await.unwrap();
    assert_ne!(rotated, token);
    assert_eq!(feeds::shop_of_token(conn, &token).await.unwrap(), None);
    assert_eq!(
        feeds::shop_of_token(conn, &rotated).await.unwrap(),
        Some(rig.shop.id)
    );
    assert_eq!(
        feeds::shop_of_token(conn, "not-a-token").await.unwrap(),
        None
    );
}
