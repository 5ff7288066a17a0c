//! Precomputed lists: every product, profile and the shop as a whole get their lists in one
//! published version; progress is recorded; a product's lists can be rebuilt alone.

use std::collections::HashSet;

use common::Database;
use common::settings::DemoSettings;
use entity::{job_run, rec_list};
use sea_orm::{ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter};
use services::recs::lists;
use services::recs::pools::StoredCandidate;
use services::recs::precompute::LIST_LEN;
use worker::jobs::{PrecomputeLists, PrecomputeProduct};
use worker::{Job, JobContext};

async fn trained_demo(db: &Database) -> i64 {
    let settings = DemoSettings {
        products: 60,
        shoppers: 15,
        sessions: 120,
        ..Default::default()
    };
    let summary = services::demo::load(db, &settings).await.unwrap();
    services::recs::train(db, summary.shop_id).await.unwrap();
    summary.shop_id
}

async fn precompute(db: &Database, shop_id: i64) -> String {
    PrecomputeLists {
        shop_id,
        window: None,
    }
    .run(JobContext::new(db.clone()))
    .await
    .unwrap();
    lists::current(&db.conn, shop_id)
        .await
        .unwrap()
        .lists
        .unwrap()
}

async fn lists_of(db: &Database, shop_id: i64, version: &str) -> Vec<rec_list::Model> {
    rec_list::Entity::find()
        .filter(rec_list::Column::ShopId.eq(shop_id))
        .filter(rec_list::Column::ListVersion.eq(version))
        .all(&db.conn)
        .await
        .unwrap()
}

fn items(row: &rec_list::Model) -> Vec<StoredCandidate> {
    serde_json::from_value(row.items.clone()).unwrap()
}

#[tokio::test]
async fn every_product_profile_and_the_shop_get_lists_in_one_published_version() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop_id = trained_demo(&db).await;

    let version = precompute(&db, shop_id).await;

    let rows = lists_of(&db, shop_id, &version).await;
    let view = services::catalog::view::load(&db.conn, shop_id, chrono::Utc::now())
        .await
        .unwrap();
    let products: Vec<i64> = view.catalog.items().iter().map(|i| i.external_id).collect();
    let has = |surface: &str, kind: &str, seed: &str| {
        rows.iter()
            .any(|r| r.surface == surface && r.seed_kind == kind && r.seed_id == seed)
    };
    for p in &products {
        let id = p.to_string();
        assert!(has("pdp", "product", &id), "no product page list for {id}");
        assert!(has("cart", "product", &id), "no cart list for {id}");
    }
    assert!(has("home", "global", "*") && has("email", "global", "*"));
    let profiles = rows.iter().filter(|r| r.seed_kind == "profile").count();
    assert!(profiles > 0, "no shopper profile lists");
    for row in &rows {
        let ids: Vec<i64> = items(row).iter().map(|c| c.id).collect();
        let unique: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "duplicates in {row:?}");
        assert!(!ids.is_empty() && ids.len() <= LIST_LEN);
        if row.seed_kind == "product" {
            assert!(
                !ids.contains(&row.seed_id.parse().unwrap()),
                "seed recommended back"
            );
        }
        assert_eq!(
            row.policy_version,
            ranker::policy::POLICY_VERSION.to_string()
        );
    }

    let run = job_run::Entity::find()
        .filter(job_run::Column::Job.eq("precompute_lists"))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, "succeeded");
    let seeds = i64::try_from(products.len() + profiles / 2 + 1).unwrap();
    assert_eq!((run.done, run.total), (seeds, Some(seeds)));
}

#[tokio::test]
async fn a_new_version_replaces_the_old_lists_but_keeps_the_pools() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop_id = trained_demo(&db).await;
    let first = precompute(&db, shop_id).await;
    let pools = rec_list::Entity::find()
        .filter(rec_list::Column::Surface.eq("pool"))
        .count(&db.conn)
        .await
        .unwrap();

    let second = precompute(&db, shop_id).await;

    assert_ne!(first, second);
    assert!(lists_of(&db, shop_id, &first).await.is_empty());
    assert!(!lists_of(&db, shop_id, &second).await.is_empty());
    let pools_after = rec_list::Entity::find()
        .filter(rec_list::Column::Surface.eq("pool"))
        .count(&db.conn)
        .await
        .unwrap();
    assert_eq!(pools_after, pools);
}

#[tokio::test]
async fn a_changed_product_gets_its_own_lists_rebuilt_and_nothing_else_moves() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop_id = trained_demo(&db).await;
    let version = precompute(&db, shop_id).await;
    let before = lists_of(&db, shop_id, &version).await;
    let target = before
        .iter()
        .find(|r| r.surface == "pdp" && r.seed_kind == "product")
        .unwrap()
        .clone();
    let product_id: i64 = target.seed_id.parse().unwrap();
    for row in before.iter().filter(|r| r.seed_id == target.seed_id) {
        row.clone().delete(&db.conn).await.unwrap();
    }

    let (job, _) = PrecomputeProduct::after_change(shop_id, product_id, chrono::Utc::now());
    job.run(JobContext::new(db.clone())).await.unwrap();

    let after = lists_of(&db, shop_id, &version).await;
    assert_eq!(
        after.len(),
        before.len(),
        "the product's two lists are back"
    );
    let rebuilt = after
        .iter()
        .find(|r| r.surface == "pdp" && r.seed_id == target.seed_id)
        .unwrap();
    assert_eq!(items(rebuilt), items(&target), "same inputs, same list");
    let untouched: HashSet<i64> = before.iter().map(|r| r.id).collect();
    let others_kept = after
        .iter()
        .filter(|r| r.seed_id != target.seed_id)
        .all(|r| untouched.contains(&r.id));
    assert!(others_kept);
}

#[tokio::test]
async fn without_trained_pools_precompute_publishes_nothing() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "empty.myshopify.com", "EUR").await;

    PrecomputeLists {
        shop_id: shop.id,
        window: None,
    }
    .run(JobContext::new(db.clone()))
    .await
    .unwrap();

    assert_eq!(
        lists::current(&db.conn, shop.id).await.unwrap(),
        lists::Versions::default()
    );
    let run = job_run::Entity::find()
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.detail.as_deref(), Some("no trained models yet"));
}
