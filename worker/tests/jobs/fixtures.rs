//! Shared set-up: a migrated database per test and plain shops.

use chrono::Utc;
use common::Database;
use common::testing::TestDatabase;
use entity::shop;
use sea_orm::{ActiveModelTrait, Set};

/// A fresh, migrated database; keep the guard alive for the test's duration.
pub async fn database() -> (TestDatabase, Database) {
    let guard = TestDatabase::create().await;
    let db = Database::connect(&guard.settings).await.unwrap();
    db.migrate().await.unwrap();
    (guard, db)
}

/// An installed-looking shop with the given domain and currency.
pub async fn shop(db: &Database, domain: &str, currency: &str) -> shop::Model {
    let now = Utc::now();
    shop::ActiveModel {
        domain: Set(domain.into()),
        name: Set(domain.into()),
        currency: Set(currency.into()),
        is_demo: Set(false),
        scopes: Set(String::new()),
        ingest_key: Set("key".into()),
        installed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db.conn)
    .await
    .unwrap()
}

/// A product of `shop_id` with the given category and status.
pub async fn product(
    db: &Database,
    shop_id: i64,
    id: i64,
    category: Option<&str>,
    status: &str,
) -> entity::product::Model {
    entity::product::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        title: Set(format!("P{id}")),
        handle: Set(format!("p{id}")),
        description: Set(String::new()),
        product_type: Set(String::new()),
        vendor: Set(String::new()),
        brand: Set(String::new()),
        category_id: Set(category.map(str::to_owned)),
        tags: Set(serde_json::json!([])),
        attributes: Set(serde_json::json!({})),
        status: Set(status.into()),
        image_url: Set(None),
        published_at: Set(Utc::now()),
        source_updated_at: Set(Utc::now()),
        deleted_at: Set(None),
    }
    .insert(&db.conn)
    .await
    .unwrap()
}

/// One impression of `products` on `surface` at `at`, in session `s` of browser `anon`.
pub async fn show(
    db: &Database,
    shop_id: i64,
    rec_id: &str,
    surface: &str,
    products: &[i64],
    at: chrono::DateTime<Utc>,
) {
    show_in(
        db,
        shop_id,
        rec_id,
        surface,
        products,
        at,
        ("s", "anon", None),
    )
    .await;
}

/// One impression of `products` on `surface` at `at`, in `session` of `browser`, served
/// under the experiment arm given if any; returns its row id.
pub async fn show_in(
    db: &Database,
    shop_id: i64,
    rec_id: &str,
    surface: &str,
    products: &[i64],
    at: chrono::DateTime<Utc>,
    (session, browser, arm): (&str, &str, Option<(i64, &str)>),
) -> i64 {
    use entity::domain::RecId;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use services::signals::{Asked, ExperimentTag, Impression, ShownItem};
    use std::sync::atomic::{AtomicI64, Ordering};
    /// Keys' sequence numbers, unique within a test process.
    static NEXT: AtomicI64 = AtomicI64::new(0);
    let items = (1..)
        .zip(products)
        .map(|(position, product)| ShownItem {
            product_id: *product,
            module: "similar".into(),
            position,
            propensity: 0.5,
            explored: false,
        })
        .collect();
    let shown = Impression {
        shop_id,
        id: RecId::new(at, 0, NEXT.fetch_add(1, Ordering::Relaxed)),
        rec_text: Some(rec_id.into()),
        surface: surface.into(),
        traffic_source: "direct".into(),
        session_id: session.into(),
        anonymous_id: browser.into(),
        customer_id: None,
        model_version: None,
        list_version: None,
        policy_version: "1".into(),
        items,
        experiment: arm.map(|(experiment_id, arm)| ExperimentTag {
            experiment_id,
            arm: Some(arm.into()),
        }),
        asked: Asked::default(),
    };
    services::signals::impression::store(&db.conn, &[shown], &mut Default::default())
        .await
        .unwrap();
    entity::impression::Entity::find()
        .filter(entity::impression::Column::ShopId.eq(shop_id))
        .filter(entity::impression::Column::RecText.eq(rec_id))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap()
        .id
}
