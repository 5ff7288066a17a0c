//! A small demo shop in a fresh database, for the serving components' tests.

use common::Database;
use common::testing::TestDatabase;

/// A fresh database (kept alive by the first value) holding a small demo shop; its id.
pub async fn small_shop() -> (TestDatabase, Database, i64) {
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();
    let config = demo::DemoConfig {
        products: 60,
        shoppers: 40,
        sessions: 400,
        ..services::demo::anchored_now()
    };
    let summary = services::demo::load_with(&db, &config).await.unwrap();
    (database, db, summary.shop_id)
}
