//! `spawn_app()`: the real application on a random port against a fresh database (SQLite,
//! or PostgreSQL when `TEST_DATABASE_URL` is set), with one helper per endpoint.

use std::future::Future;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use app::{Application, ServeOptions};
use common::testing::TestDatabase;
use common::{Database, Settings};

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    /// HTTP client (no redirects followed, so tests see them).
    pub client: reqwest::Client,
    /// A separate connection to the app's database, for assertions.
    pub db: Database,
    /// The demo admin key the app printed (demo mode only).
    pub demo_admin_key: Option<String>,
    handle: ServerHandle,
    _database: TestDatabase,
}

/// Settings for a test app: random port, quick heartbeats and polling, no demo shop.
pub fn test_settings(database: &TestDatabase) -> Settings {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.database = database.settings.clone();
    settings.demo.enabled = Some(false);
    settings.worker.heartbeat_interval_secs = 1;
    settings.worker.heartbeat_stale_after_secs = 5;
    settings.worker.poll_interval_ms = 50;
    settings.server.shutdown_timeout_secs = 5;
    settings.worker.shutdown_timeout_secs = 5;
    settings
}

/// Starts the app with an in-process worker and default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(ServeOptions { with_worker: true }, |_| {}).await
}

/// Starts the app after letting the test adjust its settings.
pub async fn spawn_app_with(options: ServeOptions, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::create().await;
    let mut settings = test_settings(&database);
    adjust(&mut settings);
    // `TEST_LOG=1 cargo test …` shows the app's log lines (the filter from RUST_LOG).
    if std::env::var_os("TEST_LOG").is_some() {
        common::telemetry::init(&settings.log);
    }
    let db = Database::connect(&settings.database)
        .await
        .expect("connect for assertions");
    let app = Application::build(settings, options)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let demo_admin_key = app.demo_admin_key().map(str::to_owned);
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    TestApp {
        address,
        client,
        db,
        demo_admin_key,
        handle,
        _database: database,
    }
}

impl TestApp {
    /// Inserts a shop installed now at `domain` with `ingest_key`; returns its id.
    pub async fn install_shop(&self, domain: &str, ingest_key: &str) -> i64 {
        use sea_orm::{ActiveModelTrait, Set};
        let now = chrono::Utc::now();
        entity::shop::ActiveModel {
            domain: Set(domain.to_owned()),
            name: Set("Test shop".into()),
            currency: Set("USD".into()),
            is_demo: Set(false),
            scopes: Set(String::new()),
            ingest_key: Set(ingest_key.to_owned()),
            installed_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db.conn)
        .await
        .expect("insert the shop")
        .id
    }

    /// `GET {path}`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// Posts storefront `events` of shop `shop_id` to `POST /events` with its ingest key, as
    /// the web pixel does, and returns the summary; fails the test on an error.
    pub async fn post_events(
        &self,
        shop_id: i64,
        events: &[serde_json::Value],
    ) -> serde_json::Value {
        use sea_orm::EntityTrait;
        let shop = entity::shop::Entity::find_by_id(shop_id)
            .one(&self.db.conn)
            .await
            .expect("read the shop")
            .expect("the shop exists");
        let body =
            serde_json::json!({"shop": shop.domain, "key": shop.ingest_key, "events": events});
        let response = self
            .client
            .post(format!("{}/events", self.address))
            .json(&body)
            .send()
            .await
            .expect("request sent");
        assert!(
            response.status().is_success(),
            "POST /events: {}",
            response.status()
        );
        response.json().await.expect("a JSON summary")
    }

    /// `GET /healthz`.
    pub async fn healthz(&self) -> reqwest::Response {
        self.get("/healthz").await
    }

    /// `GET /readyz`.
    pub async fn readyz(&self) -> reqwest::Response {
        self.get("/readyz").await
    }

    /// `GET /metrics`.
    pub async fn metrics(&self) -> String {
        self.get("/metrics")
            .await
            .text()
            .await
            .expect("metrics body")
    }

    /// Waits until `/readyz` answers 200, or fails the test after `timeout`.
    pub async fn wait_until_ready(&self, timeout: Duration) {
        let ready = eventually(timeout, || async { self.readyz().await.status() == 200 }).await;
        assert!(ready, "app not ready after {timeout:?}");
    }

    /// Stops the HTTP server gracefully.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    /// The impression logged for `rec_id` and its items, once stored: serving hands it to a
    /// background writer, so it is stored shortly after the response.
    pub async fn impression(
        &self,
        rec_id: &str,
    ) -> (entity::impression::Model, Vec<services::signals::ShownItem>) {
        use sea_orm::{EntityTrait, QueryFilter};
        let find = || {
            entity::impression::Entity::find()
                .filter(entity::impression::with_rec_ids([rec_id]))
                .one(&self.db.conn)
        };
        eventually(BACKGROUND_WORK, || async {
            find().await.is_ok_and(|row| row.is_some())
        })
        .await;
        let row = find()
            .await
            .expect("read impressions")
            .expect("the impression is logged");
        let answer = self.answer(&row).await;
        (row, answer.items)
    }

    /// What a stored impression was served under.
    pub async fn context(&self, row: &entity::impression::Model) -> entity::serving_context::Model {
        self.answer(row).await.context
    }

    /// What a stored impression showed and was asked, its products resolved.
    pub async fn answer(&self, row: &entity::impression::Model) -> services::signals::Answer {
        services::signals::impression::answer(&self.db.conn, row)
            .await
            .expect("read the impression's products")
    }

    /// Jobs named `job` in the queue, whatever their state.
    pub async fn queued_jobs(&self, job: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let sql = match self.db.backend() {
            common::Backend::Sqlite => "SELECT COUNT(*) AS n FROM Jobs WHERE job_type = ?",
            common::Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM apalis.jobs WHERE job_type = $1"
            }
        };
        let statement =
            Statement::from_sql_and_values(self.db.conn.get_database_backend(), sql, [job.into()]);
        self.db
            .conn
            .query_one_raw(statement)
            .await
            .expect("count jobs")
            .expect("a count")
            .try_get("", "n")
            .expect("the count")
    }

    /// Impressions logged so far.
    pub async fn impression_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        entity::impression::Entity::find()
            .count(&self.db.conn)
            .await
            .expect("count impressions")
    }
}

/// How long a test waits for background work (jobs, buffered event and impression writes)
/// before it fails. Generous because a full parallel run on two cores can hold a job back for
/// seconds; a passing test stops waiting as soon as the work is done.
pub const BACKGROUND_WORK: Duration = Duration::from_secs(180);

/// Polls `check` every 50 ms until it holds or `timeout` passes; returns the last answer.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads a JSON body, failing the test on anything else.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    response.json().await.expect("JSON body")
}

/// Client id of the app in Shopify tests.
pub const API_KEY: &str = "test-client-id";
/// Client secret of the app in Shopify tests.
pub const API_SECRET: &str = "test-client-secret";
/// Token encryption key of Shopify tests (base64 of 32 bytes).
pub const TOKEN_KEY: &str = "bWVhbmRlci10ZXN0LXRva2VuLWVuY3J5cHRpb24ta3k=";

/// Starts a fake Shopify and the app configured against it.
pub async fn spawn_shopify_app() -> (TestApp, shopify::fake::FakeShopify) {
    let fake = shopify::fake::FakeShopify::start(API_KEY, API_SECRET);
    let template = fake.shop_url_template();
    let app = spawn_app_with(ServeOptions { with_worker: true }, |settings| {
        settings.shopify.api_key = API_KEY.into();
        settings.shopify.api_secret = Some(API_SECRET.into());
        settings.shopify.token_encryption_key = Some(TOKEN_KEY.into());
        settings.shopify.shop_url_template = template;
    })
    .await;
    (app, fake)
}

/// The cipher the Shopify test app encrypts tokens with.
pub fn test_cipher() -> shopify::TokenCipher {
    shopify::TokenCipher::from_base64(&TOKEN_KEY.into()).expect("test key is valid")
}

/// The app's Shopify identity as the test app builds it, for calling worker code directly.
pub fn shopify_app_for(
    fake: &shopify::fake::FakeShopify,
) -> std::sync::Arc<services::shop_auth::ShopifyApp> {
    let settings = common::settings::ShopifySettings {
        api_key: API_KEY.into(),
        api_secret: Some(API_SECRET.into()),
        token_encryption_key: Some(TOKEN_KEY.into()),
        shop_url_template: fake.shop_url_template(),
        ..Default::default()
    };
    services::shop_auth::ShopifyApp::from_settings(&settings)
        .expect("valid settings")
        .expect("credentials configured")
}

/// Product ids of every item of a recommendations answer, module by module.
pub fn served_ids(body: &serde_json::Value) -> Vec<i64> {
    body["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .flat_map(|m| m["items"].as_array().expect("items").clone())
        .map(|item| {
            item["product_id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("product id")
        })
        .collect()
}

/// A storefront query for `shop` signed the way Shopify's app proxy signs it.
pub fn app_proxy_query(shop: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = [
        ("shop", shop.to_owned()),
        ("logged_in_customer_id", String::new()),
        ("path_prefix", "/apps/meander".to_owned()),
        ("timestamp", chrono::Utc::now().timestamp().to_string()),
    ]
    .into_iter()
    .chain(extra.iter().map(|(k, v)| (*k, (*v).to_owned())))
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let signature = shopify::signature::sign_app_proxy(API_SECRET.as_bytes(), &pairs);
    pairs.push(("signature".into(), signature));
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}
