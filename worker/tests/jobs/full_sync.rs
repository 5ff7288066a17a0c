//! Full sync by bulk operations against the fake Admin API and the fake token endpoint.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::Database;
use common::settings::ShopifySettings;
use common::testing::TestDatabase;
use entity::{
    ShopDomain, collection, inventory, order, order_line, product, product_collection, sync_run,
    variant,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::shop_auth::ShopifyApp;
use services::shop_tokens;
use services::sync::full::{self, Mode, SyncOptions, SyncReport};
use shopify::fake::FakeShopify;
use shopify::fake_admin::{FakeAdmin, Fault};
use shopify::{AdminClient, AppCredentials, RetryPolicy, ShopUrls, TokenCipher, TokenClient};
use worker::Job as _;
use worker::JobContext;
use worker::jobs::SyncCatalog;

const KEY: &str = "sync-app";
const SECRET: &str = "sync-secret";
const TOKEN_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
pub const DOMAIN: &str = "bulk-shop.myshopify.com";

pub const PRODUCTS: &str = r#"{"id":"gid://shopify/Product/9007199254740993","title":"Linen Dress","handle":"linen-dress","description":"Light","vendor":"Atelier","productType":"Dress","tags":["summer"],"status":"ACTIVE","createdAt":"2026-11-01T00:00:00Z","updatedAt":"2026-11-02T00:00:00Z","category":{"id":"gid://shopify/TaxonomyCategory/aa-1-4","name":"Dresses","fullName":"Apparel & Accessories > Clothing > Dresses"},"brand":{"value":"Maison Lin"},"featuredImage":{"url":"https://cdn.example/d.jpg"},"someNewField":true}
{"id":"gid://shopify/ProductVariant/11","title":"S","sku":"LD-S","price":"120.00","compareAtPrice":"150.0","position":1,"updatedAt":"2026-11-02T00:00:00Z","selectedOptions":[{"name":"Size","value":"S"}],"inventoryQuantity":3,"inventoryItem":{"id":"gid://shopify/InventoryItem/21","unitCost":{"amount":"48.50","currencyCode":"USD"}},"__parentId":"gid://shopify/Product/9007199254740993"}
{"id":"gid://shopify/ProductVariant/12","title":"M","price":"120.000","position":2,"updatedAt":"2026-11-02T00:00:00Z","inventoryQuantity":0,"inventoryItem":{"id":"gid://shopify/InventoryItem/22","unitCost":null},"__parentId":"gid://shopify/Product/9007199254740993"}
{"id":"gid://shopify/ProductVariant/13","title":"L","price":"19.999","updatedAt":"2026-11-02T00:00:00Z","__parentId":"gid://shopify/Product/9007199254740993"}
{"id":"gid://shopify/Product/2","title":"Heels","handle":"heels","vendor":"Stride","status":"DRAFT","createdAt":"2026-10-01T00:00:00Z","updatedAt":"2026-10-01T00:00:00Z"}
{"id":"gid://shopify/ProductVariant/14","title":"38","price":"80.00","updatedAt":"2026-10-01T00:00:00Z","inventoryQuantity":5,"inventoryItem":{"id":"gid://shopify/InventoryItem/24","unitCost":{"amount":"30.00","currencyCode":"USD"}},"__parentId":"gid://shopify/Product/2"}
"#;

const COLLECTIONS: &str = r#"{"id":"gid://shopify/Collection/7","handle":"summer","title":"Summer","updatedAt":"2026-11-01T00:00:00Z"}
{"id":"gid://shopify/Product/9007199254740993","__parentId":"gid://shopify/Collection/7"}
{"id":"gid://shopify/Product/2","__parentId":"gid://shopify/Collection/7"}
"#;

const ORDERS: &str = r#"{"id":"gid://shopify/Order/9007199254740995","createdAt":"2026-11-20T10:00:00Z","currencyCode":"USD","totalPriceSet":{"shopMoney":{"amount":"200.0","currencyCode":"USD"}},"customer":{"id":"gid://shopify/Customer/4"}}
{"id":"gid://shopify/LineItem/1","quantity":1,"originalUnitPriceSet":{"shopMoney":{"amount":"120.00","currencyCode":"USD"}},"product":{"id":"gid://shopify/Product/9007199254740993"},"variant":{"id":"gid://shopify/ProductVariant/11"},"__parentId":"gid://shopify/Order/9007199254740995"}
{"id":"gid://shopify/LineItem/2","quantity":1,"originalUnitPriceSet":{"shopMoney":{"amount":"80","currencyCode":"USD"}},"product":{"id":"gid://shopify/Product/2"},"variant":null,"__parentId":"gid://shopify/Order/9007199254740995"}
{"id":"gid://shopify/Order/6","createdAt":"2026-11-21T10:00:00Z","currencyCode":"USD","totalPriceSet":{"shopMoney":{"amount":"oops","currencyCode":"USD"}},"customer":null}
{not json
"#;

pub struct Rig {
    pub _database: TestDatabase,
    pub db: Database,
    pub app: Arc<ShopifyApp>,
    pub shopify: FakeShopify,
    pub admin: FakeAdmin,
    pub shop_id: i64,
}

/// A migrated database, both fakes, and a shop installed with an expiring token.
pub async fn rig() -> Rig {
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();
    let shopify = FakeShopify::start(KEY, SECRET);
    let admin = FakeAdmin::start();
    let settings = ShopifySettings {
        api_key: KEY.into(),
        api_secret: Some(SECRET.into()),
        token_encryption_key: Some(TOKEN_KEY.into()),
        shop_url_template: admin.shop_url_template(),
        ..ShopifySettings::default()
    };
    let credentials = AppCredentials {
        client_id: KEY.into(),
        client_secret: SECRET.into(),
    };
    // Tokens at the fake token endpoint, Admin API calls at the fake Admin API.
    let tokens = TokenClient::new(
        credentials.clone(),
        ShopUrls::new(&shopify.shop_url_template()),
        Duration::from_secs(5),
    )
    .unwrap();
    let app = Arc::new(ShopifyApp {
        settings,
        credentials,
        cipher: TokenCipher::from_base64(&TOKEN_KEY.into()).unwrap(),
        tokens,
        urls: ShopUrls::new(&admin.shop_url_template()),
    });
    let domain = ShopDomain::parse(DOMAIN).unwrap();
    let now = Utc::now();
    let session = shopify.session_token(&domain, now.timestamp());
    let token = app
        .tokens
        .exchange_session_token(&domain, &session)
        .await
        .unwrap();
    let shop = shop_tokens::store_token(&db.conn, &app, &domain, &token, now)
        .await
        .unwrap()
        .shop;
    admin.set_result("products", PRODUCTS);
    admin.set_result("collections", COLLECTIONS);
    admin.set_result("orders", ORDERS);
    Rig {
        _database: database,
        db,
        app,
        shopify,
        admin,
        shop_id: shop.id,
    }
}

pub fn quick() -> SyncOptions {
    SyncOptions {
        poll_interval: Duration::from_millis(5),
        max_poll_interval: Duration::from_millis(20),
        max_wait: Duration::from_secs(20),
        restarts: 2,
        batch_lines: 2,
        retry: RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(300),
        },
    }
}

impl Rig {
    pub fn client(&self) -> AdminClient {
        full::admin_client(&self.app, quick().retry).unwrap()
    }

    pub async fn sync(&self, mode: Mode) -> Result<SyncReport, full::FullSyncError> {
        self.sync_with(mode, quick()).await
    }

    pub async fn sync_with(
        &self,
        mode: Mode,
        options: SyncOptions,
    ) -> Result<SyncReport, full::FullSyncError> {
        let client = self.client();
        full::sync_shop(
            &self.db.conn,
            &self.app,
            &client,
            self.shop_id,
            mode,
            Utc::now(),
            options,
        )
        .await
    }

    pub async fn count<E>(&self) -> u64
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        E::find().count(&self.db.conn).await.unwrap()
    }

    pub async fn runs(&self) -> Vec<sync_run::Model> {
        sync_run::Entity::find()
            .filter(sync_run::Column::ShopId.eq(self.shop_id))
            .all(&self.db.conn)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_full_sync_lands_products_variants_costs_collections_and_orders() {
    let rig = rig().await;

    let report = rig.sync(Mode::Full).await.unwrap();

    assert_eq!(report.phases.len(), 3);
    assert_eq!(rig.count::<product::Entity>().await, 2);
    assert_eq!(
        rig.count::<variant::Entity>().await,
        3,
        "the 19.999 USD variant is skipped"
    );
    let small = inventory::Entity::find_by_id((rig.shop_id, 11))
        .one(&rig.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((small.unit_cost_minor, small.available), (Some(4_850), 3));
    assert_eq!(rig.count::<collection::Entity>().await, 1);
    assert_eq!(rig.count::<product_collection::Entity>().await, 2);
    let orders = order::Entity::find().all(&rig.db.conn).await.unwrap();
    assert_eq!(orders.len(), 1, "the order with a bad total is skipped");
    assert_eq!(
        (orders[0].id, orders[0].total_minor, orders[0].customer_id),
        (9_007_199_254_740_995, 20_000, Some(4))
    );
    let lines = order_line::Entity::find().all(&rig.db.conn).await.unwrap();
    let numbered: Vec<(i32, Option<i64>, i64)> = lines
        .iter()
        .map(|l| (l.line_no, l.variant_id, l.price_minor))
        .collect();
    assert!(
        numbered.contains(&(1, Some(11), 12_000)) && numbered.contains(&(2, None, 8_000)),
        "{numbered:?}"
    );
    let runs = rig.runs().await;
    assert_eq!(runs.len(), 3);
    for run in &runs {
        assert_eq!(run.status, "succeeded", "{run:?}");
        assert!(run.bulk_operation_id.is_some() && run.finished_at.is_some());
        assert_eq!(Some(run.rows_done), run.rows_total, "{run:?}");
    }
    let queries = rig.admin.bulk_queries();
    assert!(queries[0].contains("inventoryItem { id unitCost { amount currencyCode } }"));
    assert!(queries[2].contains("orders(query: \"created_at:>="));
}

#[tokio::test]
async fn throttled_5xx_and_429_answers_are_retried_and_the_sync_completes() {
    let rig = rig().await;
    rig.admin.fail_next(&Fault::Throttled, 2);
    rig.admin.fail_next(&Fault::Status(503), 1);
    rig.admin
        .fail_next(&Fault::TooManyRequests("0.05".into()), 1);
    rig.admin.fail_next(&Fault::Status(502), 1);

    rig.sync(Mode::Full).await.unwrap();

    assert_eq!(rig.count::<product::Entity>().await, 2);
    assert_eq!(rig.count::<order::Entity>().await, 1);
    assert_eq!(rig.admin.operations_started(), 3);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_the_call_succeeds() {
    let rig = rig().await;
    rig.admin.fail_next(&Fault::Unauthorized, 1);

    rig.sync(Mode::Full).await.unwrap();

    assert_eq!(rig.shopify.refreshes(), 1);
    let fresh = rig.shopify.current_access_token(DOMAIN).unwrap();
    let seen = rig.admin.tokens_seen();
    assert_ne!(seen[0], fresh, "the first call used the old token");
    assert!(
        seen[1..].iter().all(|t| *t == fresh),
        "every later call uses the refreshed token"
    );
    assert_eq!(rig.count::<product::Entity>().await, 2);
}

#[tokio::test]
async fn a_download_cut_half_way_resumes_without_duplicates() {
    let rig = rig().await;
    let demo = demo::generate(&demo::DemoConfig {
        products: 60,
        shoppers: 0,
        sessions: 0,
        ..Default::default()
    });
    let mut jsonl = Vec::new();
    services::demo::jsonl::write(&demo, &mut jsonl).unwrap();
    let text = String::from_utf8(jsonl).unwrap();
    let (products_part, collections_part) = text.split_at(
        text.find("gid://shopify/Collection/")
            .map_or(text.len(), |i| text[..i].rfind('\n').map_or(0, |n| n + 1)),
    );
    rig.admin.set_result("products", products_part);
    rig.admin.set_result("collections", collections_part);
    rig.admin.cut_next_downloads(1);

    let first = rig.sync(Mode::Full).await;
    assert!(
        first.as_ref().is_err_and(full::FullSyncError::is_transient),
        "{first:?}"
    );
    let half = rig.count::<variant::Entity>().await;
    let run = rig.runs().await.remove(0);
    assert_eq!(run.status, "running");
    assert!(run.cursor.is_some() && run.error.is_none());

    let report = rig.sync(Mode::Full).await.unwrap();

    let variants: usize = demo.products.iter().map(|p| p.variants.len()).sum();
    assert!(half < variants as u64, "the first attempt stopped half-way");
    assert!(
        report.phases[0].1.report.resumed_after > 0,
        "resumed after its cursor"
    );
    assert_eq!(rig.count::<product::Entity>().await, 60);
    assert_eq!(rig.count::<variant::Entity>().await, variants as u64);
    assert_eq!(
        rig.admin.operations_started(),
        3,
        "the same operation was resumed"
    );
    let runs = rig.runs().await;
    assert!(
        runs.iter()
            .all(|r| r.status == "succeeded" && Some(r.rows_done) == r.rows_total),
        "{runs:?}"
    );
}

#[tokio::test]
async fn a_failed_or_expired_operation_is_started_again() {
    let rig = rig().await;
    rig.admin.fail_next_operation("FAILED");
    rig.admin.fail_next_operation("EXPIRED");

    rig.sync(Mode::Full).await.unwrap();

    assert_eq!(rig.admin.operations_started(), 5);
    assert_eq!(rig.count::<product::Entity>().await, 2);
    let products_run = rig
        .runs()
        .await
        .into_iter()
        .find(|r| r.kind == "full:products")
        .unwrap();
    assert_eq!(
        products_run.bulk_operation_id.as_deref(),
        Some("gid://shopify/BulkOperation/3")
    );
}

#[tokio::test]
async fn reconciliation_soft_deletes_a_product_missing_from_the_new_snapshot() {
    let rig = rig().await;
    rig.sync(Mode::Full).await.unwrap();
    let without_heels: String = PRODUCTS
        .lines()
        .filter(|l| !l.contains("Product/2\"") || l.contains("ProductVariant"))
        .filter(|l| !l.contains("__parentId\":\"gid://shopify/Product/2\""))
        .map(|l| format!("{l}\n"))
        .collect();
    rig.admin.set_result("products", without_heels);

    let report = rig.sync(Mode::Reconcile).await.unwrap();

    assert_eq!(report.soft_deleted, 1);
    let heels = product::Entity::find_by_id((rig.shop_id, 2))
        .one(&rig.db.conn)
        .await
        .unwrap()
        .unwrap();
    let dress = product::Entity::find_by_id((rig.shop_id, 9_007_199_254_740_993))
        .one(&rig.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert!(heels.deleted_at.is_some() && dress.deleted_at.is_none());
}

#[tokio::test]
async fn the_sync_catalog_job_runs_a_full_sync() {
    let rig = rig().await;
    let ctx = JobContext::new(rig.db.clone()).with_shopify(Some(Arc::clone(&rig.app)));

    // The same request (shop and hour) twice: built once, so a run that crosses the hour does
    // not make the second a new request.
    let job = SyncCatalog::now(rig.shop_id);
    job.clone().run(ctx.clone()).await.unwrap();
    // Asked again within the hour: the phases already done are not repeated.
    job.run(ctx).await.unwrap();

    assert_eq!(rig.admin.operations_started(), 3);
    assert_eq!(rig.count::<product::Entity>().await, 2);
    assert!(rig.runs().await.iter().all(|r| r.status == "succeeded"));
}

#[tokio::test]
async fn the_schedule_queues_one_reconciliation_a_day_and_a_worker_runs_it() {
    let rig = rig().await;
    let queue = worker::JobQueue::new(&rig.db).await.unwrap();
    let now = Utc::now();

    let queued = worker::schedule::reconciliations(&rig.db.conn, &queue, now).await;
    worker::schedule::reconciliations(&rig.db.conn, &queue, now)
        .await
        .unwrap();
    let pending = crate::jobs_with_status(&rig.db, "reconcile_catalog", "Pending").await;
    let ctx = JobContext::new(rig.db.clone()).with_shopify(Some(Arc::clone(&rig.app)));
    let pool = worker::WorkerPool::start(&queue, ctx, &crate::quick_workers());
    let reconciled = crate::wait_for(crate::BACKGROUND_WORK, async || {
        sync_run::Entity::find()
            .filter(sync_run::Column::ShopId.eq(rig.shop_id))
            .filter(sync_run::Column::Kind.eq("reconcile:orders"))
            .filter(sync_run::Column::Status.eq("succeeded"))
            .count(&rig.db.conn)
            .await
            .unwrap()
            == 1
    })
    .await;
    pool.shutdown(Duration::from_secs(5)).await;

    assert_eq!(queued.unwrap(), 1, "the installed shop");
    assert_eq!(pending, 1, "a second tick the same day queues nothing new");
    assert!(reconciled, "the queued reconciliation ran its three phases");
    let products = product::Entity::find()
        .filter(product::Column::ShopId.eq(rig.shop_id))
        .count(&rig.db.conn)
        .await
        .unwrap();
    assert_eq!(products, 2);
}
