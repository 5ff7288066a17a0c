//! A migrated database with a shop, its products and published email lists, a fake Klaviyo,
//! and the connection between them.

use std::time::Duration;

use chrono::Utc;
use common::Database;
use common::testing::TestDatabase;
use entity::{email_push_state, klaviyo_account, model, product, rec_list, shop, variant};
use klaviyo::fake::FakeKlaviyo;
use klaviyo::{BatchLimits, PollPolicy, RetryPolicy};
use ranker::{Source, SourceSet};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use services::email::{self, EmailError, EmailSettings, KlaviyoApi, PushOptions, PushSummary};
use services::recs::pools::StoredCandidate;
use shopify::TokenCipher;

/// Base64 of 32 bytes.
pub const TOKEN_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
/// Products of the test shop: ids 1..=PRODUCTS.
pub const PRODUCTS: i64 = 12;

pub struct Rig {
    pub _database: TestDatabase,
    pub db: Database,
    pub fake: FakeKlaviyo,
    pub cipher: TokenCipher,
    pub api: KlaviyoApi,
    pub shop: shop::Model,
}

pub fn api(fake: &FakeKlaviyo) -> KlaviyoApi {
    KlaviyoApi {
        base_url: fake.address.clone(),
        revision: klaviyo::DEFAULT_REVISION.into(),
        timeout_secs: 5,
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay_ms: 10,
            max_delay_ms: 50,
            max_retry_after_secs: 2,
        },
        poll: PollPolicy {
            interval: Duration::from_millis(10),
            max_polls: 50,
        },
        oauth: Some(services::email::OAuthApp {
            config: fake.oauth_config(),
            state_ttl: chrono::Duration::minutes(10),
            refresh_lead: chrono::Duration::minutes(5),
        }),
    }
}

pub async fn rig() -> Rig {
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();
    let fake = FakeKlaviyo::start();
    let shop = insert_shop(&db).await;
    insert_products(&db, shop.id).await;
    Rig {
        _database: database,
        db,
        api: api(&fake),
        fake,
        cipher: TokenCipher::from_base64(&TOKEN_KEY.into()).unwrap(),
        shop,
    }
}

async fn insert_shop(db: &Database) -> shop::Model {
    let now = Utc::now();
    shop::ActiveModel {
        domain: Set("mail-shop.myshopify.com".into()),
        name: Set("Mail shop".into()),
        currency: Set("EUR".into()),
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

async fn insert_products(db: &Database, shop_id: i64) {
    let now = Utc::now();
    for id in 1..=PRODUCTS {
        product::ActiveModel {
            shop_id: Set(shop_id),
            id: Set(id),
            handle: Set(format!("product-{id}")),
            title: Set(format!("Product {id}")),
            description: Set(String::new()),
            product_type: Set(String::new()),
            vendor: Set("Acme".into()),
            brand: Set("Acme".into()),
            category_id: Set(None),
            tags: Set(json!([])),
            attributes: Set(json!({})),
            status: Set("active".into()),
            image_url: Set(Some(format!("https://cdn.test/{id}.jpg"))),
            published_at: Set(now),
            source_updated_at: Set(now),
            deleted_at: Set(None),
        }
        .insert(&db.conn)
        .await
        .unwrap();
        variant::ActiveModel {
            shop_id: Set(shop_id),
            id: Set(100 + id),
            product_id: Set(id),
            title: Set("Default".into()),
            sku: Set(None),
            options: Set(json!([])),
            price_minor: Set(1_000 + id * 100 + 99),
            compare_at_price_minor: Set(None),
            position: Set(1),
            source_updated_at: Set(now),
        }
        .insert(&db.conn)
        .await
        .unwrap();
    }
}

/// A candidate of product `id` with `relevance`.
pub fn candidate(id: i64, relevance: f32) -> StoredCandidate {
    StoredCandidate {
        id,
        relevance,
        sources: SourceSet::default(),
        primary: Source::Popularity,
        via: None,
    }
}

/// Publishes list version `version` with an `email` list per profile.
pub async fn publish(rig: &Rig, version: &str, lists: &[(String, Vec<StoredCandidate>)]) {
    let now = Utc::now();
    // In chunks: the push benchmark publishes 100,000 lists through here.
    for chunk in lists.chunks(1_000) {
        let rows = chunk.iter().map(|(profile, items)| rec_list::ActiveModel {
            shop_id: Set(rig.shop.id),
            surface: Set("email".into()),
            seed_kind: Set("profile".into()),
            seed_id: Set(profile.clone()),
            model_version: Set("v1".into()),
            policy_version: Set("1".into()),
            list_version: Set(version.into()),
            items: Set(json!(items)),
            created_at: Set(now),
            ..Default::default()
        });
        rec_list::Entity::insert_many(rows)
            .exec_without_returning(&rig.db.conn)
            .await
            .unwrap();
    }
    model::ActiveModel {
        shop_id: Set(rig.shop.id),
        kind: Set("rec_lists".into()),
        version: Set(version.into()),
        status: Set("ready".into()),
        params: Set(json!({})),
        metrics: Set(json!({})),
        started_at: Set(now),
        trained_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(&rig.db.conn)
    .await
    .unwrap();
}

/// The same list (products 1..=6) for customers `ids`.
pub fn lists_for(ids: impl IntoIterator<Item = i64>) -> Vec<(String, Vec<StoredCandidate>)> {
    ids.into_iter()
        .map(|id| {
            let items = (1..=6)
                .map(|p| candidate(p, 1.0 - p as f32 / 10.0))
                .collect();
            (format!("customer:{id}"), items)
        })
        .collect()
}

/// Klaviyo knows customers `ids` (external id = customer id, with an email).
pub fn known_to_klaviyo(rig: &Rig, ids: impl IntoIterator<Item = i64>) {
    let ids: Vec<(String, String)> = ids
        .into_iter()
        .map(|id| (format!("shopper{id}@example.com"), id.to_string()))
        .collect();
    rig.fake.add_profiles(
        ids.iter()
            .map(|(email, id)| (Some(email.as_str()), Some(id.as_str()))),
    );
}

pub async fn connect(rig: &Rig) -> klaviyo_account::Model {
    email::connect_api_key(
        &rig.db.conn,
        &rig.api,
        &rig.cipher,
        rig.shop.id,
        &klaviyo::fake::API_KEY.into(),
    )
    .await
    .unwrap()
}

/// Stores `settings` on the shop's account.
pub async fn set_settings(rig: &Rig, settings: &EmailSettings) {
    let account = klaviyo_account::Entity::find_by_id(rig.shop.id)
        .one(&rig.db.conn)
        .await
        .unwrap()
        .unwrap();
    let mut active: klaviyo_account::ActiveModel = account.into();
    active.settings = Set(Some(json!(settings)));
    active.update(&rig.db.conn).await.unwrap();
}

pub fn options() -> PushOptions {
    PushOptions::new(PollPolicy {
        interval: Duration::from_millis(10),
        max_polls: 50,
    })
}

/// Pushes `version` as the job does, with small import jobs when `job_size` is given.
pub async fn push_with(
    rig: &Rig,
    version: &str,
    job_size: Option<usize>,
) -> Result<PushSummary, EmailError> {
    let (account, client) = email::load_client(&rig.db.conn, &rig.api, &rig.cipher, &rig.shop)
        .await?
        .unwrap();
    let mut options = options();
    if let Some(size) = job_size {
        options.job_limits = BatchLimits {
            max_count: size,
            ..options.job_limits
        };
    }
    email::push_lists(
        &rig.db.conn,
        &client,
        &rig.shop,
        &account,
        version,
        &options,
    )
    .await
}

pub async fn push(rig: &Rig, version: &str) -> Result<PushSummary, EmailError> {
    push_with(rig, version, None).await
}

pub async fn states(rig: &Rig) -> Vec<email_push_state::Model> {
    email_push_state::Entity::find()
        .filter(email_push_state::Column::ShopId.eq(rig.shop.id))
        .all(&rig.db.conn)
        .await
        .unwrap()
}

/// Requests the fake answered to `endpoint`.
pub fn calls(rig: &Rig, endpoint: klaviyo::Endpoint) -> usize {
    rig.fake
        .requests()
        .iter()
        .filter(|r| r.endpoint == Some(endpoint))
        .count()
}
