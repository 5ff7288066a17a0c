use common::Database;
use common::testing::TestDatabase;
use migration::{Migrator, MigratorTrait};

#[tokio::test]
async fn migrations_apply_roll_back_and_reapply_cleanly() {
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();

    db.migrate().await.unwrap();
    assert_eq!(db.pending_migrations().await.unwrap(), 0);
    // As `migrate` does: one write transaction on one connection. Rolled back over the
    // pool, SQLite's ALTER TABLEs ran on several connections and, under load, a later
    // statement failed with `no such column: "model_version"` (seen once in CI).
    let txn = common::database::begin_write(&db.conn).await.unwrap();
    Migrator::down(&txn, None).await.unwrap();
    txn.commit().await.unwrap();
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
    let summary = services::demo::load(&db, &settings).await.unwrap();
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

/// Impression events of an existing database become one `impressions` row per rec id, and
/// the clicks attributed to them point at that row.
#[tokio::test]
async fn impression_events_move_into_one_row_per_served_list() {
    use entity::{event, impression};
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
        Set,
    };

    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    db.migrate().await.unwrap();
    let shop = services::demo::load(
        &db,
        &common::settings::DemoSettings {
            products: 10,
            shoppers: 2,
            sessions: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .shop_id;
    // Back to the schema before the impressions table (and whatever came after it).
    let since_impressions = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261125_000070_impressions")
        .unwrap()
        + 1;
    // On one connection, as `migrate` applies them: over the pool, SQLite's table rebuilds
    // (drop, then rename) can run on connections with a stale schema (seen once in CI:
    // "there is already another table or index with this name: metric_rollups").
    let txn = common::database::begin_write(&db.conn).await.unwrap();
    Migrator::down(&txn, Some(u32::try_from(since_impressions).unwrap()))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let at = chrono::Utc::now();
    let logged = |kind: &str, product: i64, position: i32| event::ActiveModel {
        shop_id: Set(shop),
        client_event_id: Set(Some(format!("{kind}-{product}"))),
        kind: Set(kind.into()),
        anonymous_id: Set("anon".into()),
        session_id: Set("sess".into()),
        product_id: Set(Some(product)),
        surface: Set(Some("pdp".into())),
        rec_id: Set(Some("rec-1".into())),
        position: Set(Some(position)),
        propensity: Set(Some(0.25)),
        traffic_source: Set(Some("email".into())),
        occurred_at: Set(at),
        received_at: Set(at),
        ..Default::default()
    };
    // Stored out of position order.
    let mut shown = Vec::new();
    for (product, position) in [(12, 2), (11, 1), (13, 3)] {
        shown.push(
            logged("impression", product, position)
                .insert(&db.conn)
                .await
                .unwrap(),
        );
    }
    let mut click = logged("click", 12, 2);
    click.impression_id = Set(Some(shown[0].id));
    let click = click.insert(&db.conn).await.unwrap();
    db.conn
        .execute_unprepared(
            "UPDATE events SET model_version = 'v7', list_version = 'l3', policy_version = '2' \
             WHERE kind = 'impression'",
        )
        .await
        .unwrap();

    db.migrate().await.unwrap();

    let rows = impression::Entity::find().all(&db.conn).await.unwrap();
    assert_eq!(rows.len(), 1, "one row per rec id");
    let row = &rows[0];
    let answer = services::signals::impression::answer(&db.conn, row)
        .await
        .unwrap();
    let context = &answer.context;
    assert_eq!(
        (
            row.rec_id().as_str(),
            context.surface.as_str(),
            row.item_count
        ),
        ("rec-1", "pdp", 3)
    );
    // Keyed by its time since migration 000290, to the millisecond (SQLite rounds to the
    // nearest, PostgreSQL truncates).
    let kept = row.served_at().timestamp_millis() - at.timestamp_millis();
    assert!(
        (0..=1).contains(&kept),
        "the key keeps the time: {kept} ms off"
    );
    assert_eq!(context.traffic_source, "email");
    assert_eq!(context.model_version.as_deref(), Some("v7"));
    assert_eq!(context.list_version.as_deref(), Some("l3"));
    assert_eq!(context.policy_version, "2");
    let items = answer.items;
    let order: Vec<(i64, i32)> = items.iter().map(|i| (i.product_id, i.position)).collect();
    assert_eq!(order, [(11, 1), (12, 2), (13, 3)]);
    assert!(items.iter().all(|i| (i.propensity - 0.25).abs() < 1e-9));
    let click = event::Entity::find_by_id(click.id)
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(click.impression_id, Some(row.id));
    assert_eq!(
        event::Entity::find().count(&db.conn).await.unwrap(),
        event::Entity::find()
            .filter(event::Column::Kind.ne("impression"))
            .count(&db.conn)
            .await
            .unwrap(),
        "no impression events remain"
    );
    db.close().await;
}

#[tokio::test]
async fn a_failed_migration_leaves_nothing_half_applied_and_the_next_start_completes() {
    use sea_orm::ConnectionTrait;
    let database = TestDatabase::create().await;
    let db = Database::connect(&database.settings).await.unwrap();
    // A table in the way of the impressions migration, as a crashed or foreign tool could
    // leave one: that migration fails half-way through.
    db.conn
        .execute_unprepared("CREATE TABLE impressions (id INTEGER)")
        .await
        .unwrap();

    let failed = db.migrate().await;

    assert!(failed.is_err(), "the migration should have failed");
    let applied: Vec<String> = Migrator::get_applied_migrations(&db.conn)
        .await
        .unwrap()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    match db.backend() {
        // One transaction for the whole run: nothing of it stays.
        common::Backend::Sqlite => assert_eq!(applied, Vec::<String>::new()),
        // One transaction per migration: the earlier ones stay, the failed one left nothing.
        common::Backend::Postgres => {
            assert!(!applied.iter().any(|m| m.contains("000070_impressions")));
        }
    }
    db.conn
        .execute_unprepared("DROP TABLE impressions")
        .await
        .unwrap();
    db.migrate().await.unwrap();
    assert_eq!(db.pending_migrations().await.unwrap(), 0);
}
