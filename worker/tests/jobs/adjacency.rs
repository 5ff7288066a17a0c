//! Category adjacency from co-purchases: derived after a catalog sync, merged with the
//! taxonomy rows, and read by the ranker's catalog view.

use std::sync::Arc;

use chrono::{Duration, Utc};
use entity::category_adjacency;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use services::catalog::adjacency::{self, AdjacencyConfig};
use services::catalog::view;
use worker::jobs::SyncCatalog;
use worker::{Job as _, JobContext};

use crate::full_sync::{Rig, rig};

const DRESSES: (&str, &str) = ("aa-1-4", "Apparel & Accessories > Clothing > Dresses");
const BAGS: (&str, &str) = ("aa-5", "Apparel & Accessories > Handbags");
const CANDLES: (&str, &str) = ("hg-3", "Home & Garden > Candles");

/// Products 1 (dress), 2 (bag), 3 (candle), one variant each.
fn products() -> String {
    [(1, DRESSES), (2, BAGS), (3, CANDLES)]
        .iter()
        .map(|(id, (cat, path))| {
            let name = path.rsplit(" > ").next().unwrap_or(path);
            format!(
                r#"{{"id":"gid://shopify/Product/{id}","title":"{name} {id}","handle":"p-{id}","status":"ACTIVE","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","category":{{"id":"gid://shopify/TaxonomyCategory/{cat}","name":"{name}","fullName":"{path}"}}}}
{{"id":"gid://shopify/ProductVariant/{id}0","title":"One","price":"10.00","updatedAt":"2026-01-01T00:00:00Z","inventoryQuantity":5,"__parentId":"gid://shopify/Product/{id}"}}
"#
            )
        })
        .collect()
}

/// Four orders of a dress with a bag, four of a candle, two of a dress alone: dresses and
/// bags have lift 10·4/(6·4) ≈ 1.67 and weight 4/√24.
fn orders() -> String {
    let baskets = [&[1, 2][..]; 4]
        .into_iter()
        .chain([&[3][..]; 4])
        .chain([&[1][..]; 2]);
    let placed = (Utc::now() - Duration::days(3)).to_rfc3339();
    let mut jsonl = String::new();
    for (n, basket) in baskets.enumerate() {
        let order = format!("gid://shopify/Order/{}", n + 100);
        jsonl.push_str(&format!(
            r#"{{"id":"{order}","createdAt":"{placed}","currencyCode":"USD","totalPriceSet":{{"shopMoney":{{"amount":"20.00","currencyCode":"USD"}}}},"customer":null}}
"#
        ));
        for product in basket {
            jsonl.push_str(&format!(
                r#"{{"id":"gid://shopify/LineItem/{n}{product}","quantity":1,"originalUnitPriceSet":{{"shopMoney":{{"amount":"10.00","currencyCode":"USD"}}}},"product":{{"id":"gid://shopify/Product/{product}"}},"variant":null,"__parentId":"{order}"}}
"#
            ));
        }
    }
    jsonl
}

async fn shop_with_orders() -> Rig {
    let rig = rig().await;
    rig.admin.set_result("products", products());
    rig.admin.set_result("collections", "");
    rig.admin.set_result("orders", orders());
    rig
}

async fn run_sync_job(rig: &Rig) {
    let ctx = JobContext::new(rig.db.clone()).with_shopify(Some(Arc::clone(&rig.app)));
    SyncCatalog::now(rig.shop_id).run(ctx).await.unwrap();
}

async fn add_row(rig: &Rig, (from, to): (&str, &str), source: &str, weight: f64) {
    category_adjacency::ActiveModel {
        shop_id: Set(rig.shop_id),
        category_id: Set(from.into()),
        adjacent_id: Set(to.into()),
        source: Set(source.into()),
        weight: Set(weight),
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
}

/// The shop's rows, sorted by (category, adjacent) in byte order whatever the collation.
async fn rows(rig: &Rig) -> Vec<(String, String, String, f64)> {
    let mut rows: Vec<_> = category_adjacency::Entity::find()
        .filter(category_adjacency::Column::ShopId.eq(rig.shop_id))
        .all(&rig.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.category_id, r.adjacent_id, r.source, r.weight))
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    rows
}

#[tokio::test]
async fn a_catalog_sync_replaces_copurchase_rows_and_keeps_taxonomy_rows() {
    let rig = shop_with_orders().await;
    add_row(&rig, (DRESSES.0, BAGS.0), "taxonomy", 0.9).await;
    add_row(&rig, (CANDLES.0, BAGS.0), "taxonomy", 0.4).await;
    // A co-purchase row from an older snapshot that the new orders do not support.
    add_row(&rig, (CANDLES.0, DRESSES.0), adjacency::COPURCHASE, 0.7).await;

    run_sync_job(&rig).await;

    let weight = 4.0 / 24.0_f64.sqrt();
    // Sorted by (category, adjacent), as `rows` returns them.
    let want: Vec<(String, String, String, f64)> = vec![
        (DRESSES.0.into(), BAGS.0.into(), "taxonomy".into(), 0.9),
        (BAGS.0.into(), DRESSES.0.into(), "copurchase".into(), weight),
        (CANDLES.0.into(), BAGS.0.into(), "taxonomy".into(), 0.4),
    ];
    let found = rows(&rig).await;
    assert_eq!(found.len(), want.len(), "{found:?}");
    for (got, want) in found.iter().zip(&want) {
        assert_eq!((&got.0, &got.1, &got.2), (&want.0, &want.1, &want.2));
        assert!((got.3 - want.3).abs() < 1e-9, "{got:?} vs {want:?}");
    }

    // Running it again gives the same rows: a replacement, not an accumulation.
    let report = adjacency::refresh(
        &rig.db.conn,
        rig.shop_id,
        Utc::now(),
        &AdjacencyConfig::default(),
    )
    .await
    .unwrap();
    assert_eq!((report.orders, report.written, report.shadowed), (10, 1, 1));
    assert_eq!(rows(&rig).await.len(), 3);
}

#[tokio::test]
async fn the_ranker_sees_copurchased_categories_as_adjacent() {
    let rig = shop_with_orders().await;
    let before = view::load(&rig.db.conn, rig.shop_id, Utc::now())
        .await
        .unwrap();
    assert!(before.catalog.is_empty(), "nothing synced yet");

    run_sync_job(&rig).await;

    let loaded = view::load(&rig.db.conn, rig.shop_id, Utc::now())
        .await
        .unwrap();
    let category = |product: i64| {
        let id = loaded.catalog.id_of(product).unwrap();
        loaded.catalog.item(id).unwrap().category
    };
    let (dress, bag, candle) = (category(1), category(2), category(3));
    assert!(
        !loaded.catalog.categories().tree_adjacent(dress, bag),
        "dresses and handbags are not neighbours in the tree"
    );
    assert!(loaded.catalog.categories_adjacent(dress, bag));
    assert!(loaded.catalog.categories_adjacent(bag, dress));
    assert!(!loaded.catalog.categories_adjacent(dress, candle));
}
