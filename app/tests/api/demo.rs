use app::ServeOptions;
use common::settings::DemoSettings;
use entity::{event, order, product, shop, sync_run, variant};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{BACKGROUND_WORK, eventually, spawn_app_with};

fn small_demo() -> DemoSettings {
    DemoSettings {
        enabled: Some(true),
        seed: 7,
        products: 120,
        shoppers: 60,
        sessions: 200,
    }
}

#[tokio::test]
async fn the_demo_shop_is_loaded_by_the_in_process_worker() {
    let app = spawn_app_with(ServeOptions { with_worker: true }, |s| {
        s.demo = small_demo()
    })
    .await;

    let loaded = eventually(BACKGROUND_WORK, || async {
        services::demo::ready_demo_shop(&app.db.conn)
            .await
            .unwrap()
            .is_some()
    })
    .await;

    assert!(loaded, "demo shop never appeared");
    let conn = &app.db.conn;
    let demo = shop::Entity::find().one(conn).await.unwrap().unwrap();
    assert!(demo.is_demo);
    assert_eq!(demo.domain, "meander-demo.myshopify.com");
    assert_eq!(
        product::Entity::find()
            .filter(product::Column::ShopId.eq(demo.id))
            .count(conn)
            .await
            .unwrap(),
        120
    );
    assert!(variant::Entity::find().count(conn).await.unwrap() >= 120);
    assert!(event::Entity::find().count(conn).await.unwrap() > 200);
    assert!(order::Entity::find().count(conn).await.unwrap() > 0);
    let run = sync_run::Entity::find().one(conn).await.unwrap().unwrap();
    assert_eq!(
        (run.kind.as_str(), run.status.as_str()),
        ("demo", "succeeded")
    );
}

#[tokio::test]
async fn an_existing_demo_shop_is_not_loaded_twice() {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |_| {}).await;
    let settings = small_demo();
    services::demo::load(&app.db, &settings).await.unwrap();

    let again = services::demo::load_if_missing(&app.db, &demo::DemoConfig::default())
        .await
        .unwrap();

    assert!(again.is_none());
    assert_eq!(shop::Entity::find().count(&app.db.conn).await.unwrap(), 1);
}

#[tokio::test]
async fn concurrent_loads_leave_exactly_one_complete_demo_shop() {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |_| {}).await;
    let settings = small_demo();

    let (first, second) = tokio::join!(
        services::demo::load(&app.db, &settings),
        services::demo::load(&app.db, &settings)
    );

    assert!(first.is_ok() || second.is_ok(), "{first:?} / {second:?}");
    let conn = &app.db.conn;
    assert_eq!(shop::Entity::find().count(conn).await.unwrap(), 1);
    assert_eq!(product::Entity::find().count(conn).await.unwrap(), 120);
}

#[tokio::test]
async fn the_demo_page_shows_the_loaded_catalog() {
    let app = spawn_app_with(ServeOptions { with_worker: false }, |_| {}).await;
    let before = app.get("/demo").await;
    assert_eq!(before.status(), 200);
    assert!(before.text().await.unwrap().contains("disabled"));
    services::demo::load(&app.db, &small_demo()).await.unwrap();

    let page = app.get("/demo").await;

    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Meander Demo Store"), "{html}");
    assert!(html.contains("Best sellers") && html.contains("New arrivals"));
    assert!(html.contains("<b>120</b>"), "product count missing");
}
