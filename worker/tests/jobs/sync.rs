//! Bulk JSONL ingest against a real database.

use chrono::{TimeZone, Utc};
use common::Database;
use common::testing::TestDatabase;
use entity::{category, collection, inventory, product, product_collection, sync_run, variant};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};
use services::sync::{BulkTarget, IngestReport, ingest};

const CATALOG: &str = r#"{"id":"gid://shopify/Product/9007199254740993","title":"Linen Dress","handle":"linen-dress","vendor":"Atelier","productType":"Dress","tags":["summer"],"status":"ACTIVE","createdAt":"2026-11-01T00:00:00Z","updatedAt":"2026-11-02T00:00:00Z","category":{"id":"gid://shopify/TaxonomyCategory/aa-1-4","name":"Dresses","fullName":"Apparel & Accessories > Clothing > Dresses"},"brand":{"value":"Maison Lin"},"someNewField":true}
{"id":"gid://shopify/ProductVariant/11","title":"S","sku":"LD-S","price":"120.00","compareAtPrice":"150.0","position":1,"updatedAt":"2026-11-02T00:00:00Z","selectedOptions":[{"name":"Size","value":"S"}],"inventoryQuantity":3,"inventoryItem":{"id":"gid://shopify/InventoryItem/21","unitCost":{"amount":"48.50","currencyCode":"USD"}},"__parentId":"gid://shopify/Product/9007199254740993"}
{"id":"gid://shopify/ProductVariant/12","title":"M","price":"120.000","position":2,"updatedAt":"2026-11-02T00:00:00Z","inventoryQuantity":0,"inventoryItem":{"id":"gid://shopify/InventoryItem/22","unitCost":null},"__parentId":"gid://shopify/Product/9007199254740993"}
this is not json
{"id":"gid://shopify/ProductVariant/13","title":"L","price":"12O.00","updatedAt":"2026-11-02T00:00:00Z","__parentId":"gid://shopify/Product/9007199254740993"}
{"id":"gid://shopify/Product/2","title":"Heels","handle":"heels","vendor":"Stride","status":"DRAFT","createdAt":"2026-10-01T00:00:00Z","updatedAt":"2026-10-01T00:00:00Z"}
{"id":"gid://shopify/Location/5","name":"Warehouse"}
{"id":"gid://shopify/Collection/7","handle":"summer","title":"Summer","updatedAt":"2026-11-01T00:00:00Z"}
{"id":"gid://shopify/Product/9007199254740993","__parentId":"gid://shopify/Collection/7"}
{"id":"gid://shopify/Product/2","__parentId":"gid://shopify/Collection/7"}
"#;

async fn shop_with_run(db: &Database) -> BulkTarget {
    let shop = crate::fixtures::shop(db, "bulk.myshopify.com", "USD").await;
    new_run(db, shop.id).await
}

/// A fresh full-sync run for the shop (cursor at the start).
async fn new_run(db: &Database, shop_id: i64) -> BulkTarget {
    let now = Utc::now();
    let run = sync_run::ActiveModel {
        shop_id: Set(shop_id),
        kind: Set("full".into()),
        status: Set("running".into()),
        rows_done: Set(0),
        started_at: Set(now),
        ..Default::default()
    }
    .insert(&db.conn)
    .await
    .unwrap();
    BulkTarget {
        shop_id,
        sync_run_id: run.id,
        currency_exponent: 2,
        batch_lines: 3,
    }
}

async fn fresh() -> (TestDatabase, Database) {
    crate::fixtures::database().await
}

#[tokio::test]
async fn a_bulk_result_fills_the_catalog_and_skips_bad_lines() {
    let (_guard, db) = fresh().await;
    let target = shop_with_run(&db).await;

    let report = ingest(&db.conn, target, CATALOG.as_bytes()).await.unwrap();

    assert_eq!(
        report,
        IngestReport {
            lines: 10,
            applied: 7,
            skipped: 2,
            ignored: 1,
            resumed_after: 0
        }
    );
    let dress = product::Entity::find_by_id((target.shop_id, 9_007_199_254_740_993))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (dress.brand.as_str(), dress.status.as_str()),
        ("Maison Lin", "active")
    );
    assert_eq!(dress.category_id.as_deref(), Some("aa-1-4"));
    let small = variant::Entity::find_by_id((target.shop_id, 11))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (small.price_minor, small.compare_at_price_minor),
        (12_000, Some(15_000))
    );
    let stock = inventory::Entity::find().all(&db.conn).await.unwrap();
    let costs: Vec<(i64, Option<i64>, i64)> = stock
        .iter()
        .map(|row| (row.variant_id, row.unit_cost_minor, row.available))
        .collect();
    assert!(
        costs.contains(&(11, Some(4_850), 3)) && costs.contains(&(12, None, 0)),
        "{costs:?}"
    );
    let tree = category::Entity::find().all(&db.conn).await.unwrap();
    let parent_of_dresses = tree
        .iter()
        .find(|c| c.id == "aa-1-4")
        .unwrap()
        .parent_id
        .clone();
    assert_eq!(parent_of_dresses.as_deref(), Some("aa-1"));
    assert_eq!(tree.len(), 3);
    assert_eq!(collection::Entity::find().count(&db.conn).await.unwrap(), 1);
    assert_eq!(
        product_collection::Entity::find()
            .count(&db.conn)
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn an_interrupted_ingest_resumes_after_its_last_committed_batch() {
    let (_guard, db) = fresh().await;
    let target = shop_with_run(&db).await;
    let first_six: String = CATALOG.lines().take(6).map(|l| format!("{l}\n")).collect();
    ingest(&db.conn, target, first_six.as_bytes())
        .await
        .unwrap();

    let report = ingest(&db.conn, target, CATALOG.as_bytes()).await.unwrap();

    assert_eq!(report.resumed_after, 6);
    assert_eq!(report.lines, 4);
    assert_eq!(product::Entity::find().count(&db.conn).await.unwrap(), 2);
    assert_eq!(
        product_collection::Entity::find()
            .count(&db.conn)
            .await
            .unwrap(),
        2
    );
    let run = sync_run::Entity::find_by_id(target.sync_run_id)
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.cursor.as_deref(), Some("10"));
}

#[tokio::test]
async fn an_older_snapshot_never_overwrites_a_newer_row() {
    let (_guard, db) = fresh().await;
    let target = shop_with_run(&db).await;
    ingest(&db.conn, target, CATALOG.as_bytes()).await.unwrap();
    let mut newer: product::ActiveModel = product::Entity::find_by_id((target.shop_id, 2))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap()
        .into();
    newer.title = Set("Heels (renamed by webhook)".into());
    newer.source_updated_at = Set(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap());
    newer.update(&db.conn).await.unwrap();
    let second = new_run(&db, target.shop_id).await;

    ingest(&db.conn, second, CATALOG.as_bytes()).await.unwrap();

    let heels = product::Entity::find_by_id((target.shop_id, 2))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(heels.title, "Heels (renamed by webhook)");
}

#[tokio::test]
async fn a_batch_whose_write_fails_leaves_none_of_its_rows_and_keeps_the_cursor() {
    use sea_orm::ConnectionTrait;
    let (_guard, db) = fresh().await;
    let target = shop_with_run(&db).await;
    // The first batch writes categories, products and variants before inventory, which fails.
    db.conn
        .execute_unprepared("ALTER TABLE inventory RENAME TO inventory_away")
        .await
        .unwrap();

    let failed = ingest(&db.conn, target, CATALOG.as_bytes()).await;

    assert!(failed.is_err());
    assert_eq!(category::Entity::find().count(&db.conn).await.unwrap(), 0);
    assert_eq!(product::Entity::find().count(&db.conn).await.unwrap(), 0);
    assert_eq!(variant::Entity::find().count(&db.conn).await.unwrap(), 0);
    let run = sync_run::Entity::find_by_id(target.sync_run_id)
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((run.cursor, run.rows_done), (None, 0));

    db.conn
        .execute_unprepared("ALTER TABLE inventory_away RENAME TO inventory")
        .await
        .unwrap();
    let report = ingest(&db.conn, target, CATALOG.as_bytes()).await.unwrap();
    assert_eq!((report.resumed_after, report.lines), (0, 10));
    assert_eq!(variant::Entity::find().count(&db.conn).await.unwrap(), 2);
    assert_eq!(inventory::Entity::find().count(&db.conn).await.unwrap(), 2);
}
