use common::Database;
use common::testing::TestDatabase;
use migration::{Migrator, MigratorTrait};

#[tokio::test]
async fn migrations_apply_roll_back_and_reapply_cleanly() {
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();

    db.migrate().await.unwrap();
    assert_eq!(db.pending_migrations().await.unwrap(), 0);
    Migrator::down(&db.conn, None).await.unwrap();
    assert!(db.pending_migrations().await.unwrap() > 0);
    db.migrate().await.unwrap();

    assert_eq!(db.pending_migrations().await.unwrap(), 0);
    db.close().await;
}

#[tokio::test]
async fn deleting_a_shop_cascades_to_its_rows() {
    use entity::{product, shop};
    use sea_orm::{EntityTrait, PaginatorTrait};

    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();
    let settings = common::settings::DemoSettings {
        products: 30,
        shoppers: 10,
        sessions: 20,
        ..Default::default()
    };
    let summary = worker::demo::load(&db, &settings).await.unwrap();
    assert_eq!(product::Entity::find().count(&db.conn).await.unwrap(), 30);

    shop::Entity::delete_by_id(summary.shop_id)
        .exec(&db.conn)
        .await
        .unwrap();

    assert_eq!(product::Entity::find().count(&db.conn).await.unwrap(), 0);
    assert_eq!(
        entity::event::Entity::find().count(&db.conn).await.unwrap(),
        0
    );
    db.close().await;
}
