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

    let revision = async || {
        lists::current(&db.conn, shop_id)
            .await
            .unwrap()
            .list_revision
    };
    let revision_before = revision().await;

    let (job, _) = PrecomputeProduct::after_change(shop_id, product_id, chrono::Utc::now());
    job.run(JobContext::new(db.clone())).await.unwrap();

    assert_eq!(
        revision().await,
        revision_before + 1,
        "serving is told to read the lists it holds again"
    );
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

type ListKey = (String, String, String);

/// The surface and seed of every list of `version`.
async fn keys(db: &Database, shop_id: i64, version: &str) -> HashSet<ListKey> {
    contents(db, shop_id, version).await.into_keys().collect()
}

/// Every list of `version`: its product ids by surface and seed.
async fn contents(
    db: &Database,
    shop_id: i64,
    version: &str,
) -> std::collections::HashMap<ListKey, Vec<i64>> {
    lists_of(db, shop_id, version)
        .await
        .into_iter()
        .map(|row| {
            let ids = items(&row).iter().map(|c| c.id).collect();
            ((row.surface, row.seed_kind, row.seed_id), ids)
        })
        .collect()
}

async fn part(db: &Database, shop_id: i64, plan: &lists::Plan, part: u32) -> Option<String> {
    let run = services::runs::JobRun::start(&db.conn, shop_id, "precompute_list_part", "t", None)
        .await
        .unwrap();
    lists::precompute_part(db, shop_id, plan, part, &run)
        .await
        .unwrap()
        .map(|summary| summary.list_version)
}

#[tokio::test]
async fn a_run_in_parts_publishes_when_its_last_part_is_written_and_a_retried_part_counts_once() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop_id = trained_demo(&db).await;
    let whole = precompute(&db, shop_id).await;
    let plan = lists::plan(&db.conn, shop_id, 20).await.unwrap().unwrap();
    assert_eq!(plan.parts, 3, "60 products in parts of 20");

    assert_eq!(part(&db, shop_id, &plan, 2).await, None);
    assert_eq!(part(&db, shop_id, &plan, 0).await, None);
    // Part 0 runs again (a retry after a crash): its lists are written once, and it does
    // not stand in for part 1.
    assert_eq!(part(&db, shop_id, &plan, 0).await, None);
    let serving = lists::current(&db.conn, shop_id).await.unwrap().lists;
    assert_eq!(
        serving.as_deref(),
        Some(whole.as_str()),
        "unfinished runs do not serve"
    );
    assert_eq!(
        part(&db, shop_id, &plan, 1).await.as_deref(),
        Some(plan.list_version.as_str())
    );

    let serving = lists::current(&db.conn, shop_id).await.unwrap().lists;
    assert_eq!(serving.as_deref(), Some(plan.list_version.as_str()));
    assert!(
        !keys(&db, shop_id, &whole).await.is_empty(),
        "publishing leaves the replaced lists to the pruning that follows"
    );
    let removed = lists::retire_replaced(&db.conn, shop_id, &plan)
        .await
        .unwrap();
    let (whole_keys, parted_keys) = (
        keys(&db, shop_id, &whole).await,
        keys(&db, shop_id, &plan.list_version).await,
    );
    assert!(whole_keys.is_empty(), "the replaced version is removed");
    assert_eq!(removed, u64::try_from(parted_keys.len()).unwrap());
    let single = precompute(&db, shop_id).await;
    assert_eq!(
        parted_keys,
        keys(&db, shop_id, &single).await,
        "same lists as one part"
    );
}

#[tokio::test]
async fn pruning_keeps_the_serving_version_and_a_later_run_still_writing() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop_id = trained_demo(&db).await;
    let older = lists::plan(&db.conn, shop_id, u64::MAX)
        .await
        .unwrap()
        .unwrap();
    let newer = lists::plan(&db.conn, shop_id, u64::MAX)
        .await
        .unwrap()
        .unwrap();
    assert!(part(&db, shop_id, &older, 0).await.is_some());
    // A run planned after `older` writes half its parts and is still going.
    let writing = lists::plan(&db.conn, shop_id, 20).await.unwrap().unwrap();
    assert_eq!(part(&db, shop_id, &writing, 0).await, None);
    assert!(part(&db, shop_id, &newer, 0).await.is_some());

    let by_older = lists::retire_replaced(&db.conn, shop_id, &older)
        .await
        .unwrap();
    assert_eq!(
        by_older, 0,
        "a version that no longer serves prunes nothing"
    );
    assert!(!keys(&db, shop_id, &newer.list_version).await.is_empty());

    lists::retire_replaced(&db.conn, shop_id, &newer)
        .await
        .unwrap();
    assert!(keys(&db, shop_id, &older.list_version).await.is_empty());
    assert!(!keys(&db, shop_id, &newer.list_version).await.is_empty());
    assert!(
        !keys(&db, shop_id, &writing.list_version).await.is_empty(),
        "a run that started later keeps what it wrote"
    );
}

#[tokio::test]
async fn parts_finishing_together_publish_exactly_once() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop_id = trained_demo(&db).await;
    let plan = lists::plan(&db.conn, shop_id, 15).await.unwrap().unwrap();
    assert_eq!(plan.parts, 4);

    let runs: Vec<_> = (0..plan.parts)
        .map(|index| {
            let (db, plan) = (db.clone(), plan.clone());
            tokio::spawn(async move { part(&db, shop_id, &plan, index).await })
        })
        .collect();
    let mut published = 0;
    for run in runs {
        published += usize::from(run.await.unwrap().is_some());
    }

    assert_eq!(published, 1);
    let versions = entity::model::Entity::find()
        .filter(entity::model::Column::ShopId.eq(shop_id))
        .filter(entity::model::Column::Kind.eq(lists::LISTS_KIND))
        .count(&db.conn)
        .await
        .unwrap();
    assert_eq!(versions, 1);
}

#[tokio::test]
async fn a_large_shop_s_parts_run_once_each_across_two_worker_processes() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop_id = trained_demo(&db).await;
    let queue = worker::JobQueue::new(&db).await.unwrap();
    let context = || JobContext::new(db.clone()).with_precompute_part_products(10);
    let workers = crate::quick_workers();
    let first = worker::WorkerPool::start(&queue, context(), &workers);
    let second = worker::WorkerPool::start(&queue, context(), &workers);

    queue
        .push(PrecomputeLists {
            shop_id,
            window: None,
        })
        .await
        .unwrap();
    let published = crate::wait_for(crate::BACKGROUND_WORK, async || {
        lists::current(&db.conn, shop_id)
            .await
            .unwrap()
            .lists
            .is_some()
            && crate::jobs_with_status(&db, "precompute_list_part", "Done").await == 5
    })
    .await;
    first.shutdown(std::time::Duration::from_secs(5)).await;
    second.shutdown(std::time::Duration::from_secs(5)).await;

    assert!(published, "the parts never published a version");
    let part_runs = job_run::Entity::find()
        .filter(job_run::Column::Job.eq("precompute_list_part"))
        .all(&db.conn)
        .await
        .unwrap();
    let mut keys: Vec<&str> = part_runs.iter().map(|run| run.run_key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["2/6", "3/6", "4/6", "5/6", "6/6"],
        "each part ran once"
    );
    let version = lists::current(&db.conn, shop_id)
        .await
        .unwrap()
        .lists
        .unwrap();
    assert!(keys_cover_catalog(&db, shop_id, &version).await);
}

/// Whether every product of the catalog has its product page list in `version`.
async fn keys_cover_catalog(db: &Database, shop_id: i64, version: &str) -> bool {
    let have = keys(db, shop_id, version).await;
    let view = services::catalog::view::load(&db.conn, shop_id, chrono::Utc::now())
        .await
        .unwrap();
    view.catalog
        .items()
        .iter()
        .all(|item| have.contains(&("pdp".into(), "product".into(), item.external_id.to_string())))
}
