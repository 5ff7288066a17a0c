//! The ranker's view of a synced catalog.

use std::collections::HashSet;

use chrono::Utc;
use common::Database;
use common::settings::DemoSettings;
use common::testing::TestDatabase;
use entity::product;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::catalog::{InventoryHealth, view};

#[tokio::test]
async fn the_demo_catalog_maps_into_the_ranker_with_derived_features() {
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();
    let settings = DemoSettings {
        products: 300,
        shoppers: 80,
        sessions: 400,
        ..Default::default()
    };
    let summary = services::demo::load(&db, &settings).await.unwrap();

    let loaded = view::load(&db.conn, summary.shop_id, Utc::now())
        .await
        .unwrap();

    let active = product::Entity::find()
        .filter(product::Column::Status.eq("active"))
        .count(&db.conn)
        .await
        .unwrap();
    assert_eq!(loaded.catalog.len() as u64, active);
    let classes: HashSet<InventoryHealth> = loaded.facts.values().map(|f| f.health).collect();
    assert!(classes.contains(&InventoryHealth::Healthy), "{classes:?}");
    assert!(classes.len() >= 3, "expected varied stock, got {classes:?}");
    let known = loaded.facts.values().filter(|f| f.margin.is_some()).count();
    assert!(
        known * 10 >= loaded.facts.len() * 8,
        "most demo costs are known"
    );
    assert!(
        loaded
            .facts
            .values()
            .all(|f| f.margin.is_none_or(|m| (-1.0..=1.0).contains(&m)))
    );
    let item = loaded.catalog.items().first().unwrap();
    assert!(item.price > 0.0);
}
