//! The traffic simulator (`examples/traffic`) against an in-process demo shop: simulated
//! shoppers get answers under both arms of a running experiment, click, add to cart and
//! order through the HTTP paths, and the simulator's per-arm counts are the results API's.

#[path = "../../examples/traffic/mod.rs"]
mod sim;

use demo::DemoConfig;
use demo::audience::Audience;
use entity::{event, impression, order, shop};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use sim::report::{Report, api_arms};
use sim::run::{self, Options};
use sim::storefront::Storefront;

use crate::admin_pages::demo_mode_app;

#[tokio::test]
async fn simulated_shoppers_fill_both_arms_and_agree_with_the_results_api() {
    let (app, shop_id) = demo_mode_app(None).await;
    let shop = shop::Entity::find_by_id(shop_id)
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    let admin_key = app.demo_admin_key.clone().unwrap();
    let store = Storefront::new(&app.address, &shop.domain, &shop.ingest_key, &admin_key).unwrap();
    let id = store
        .start_experiment(&sim::experiment("traffic test", "pdp"))
        .await
        .unwrap();
    // The shop `demo_mode_app` loads.
    let config = DemoConfig {
        products: 200,
        shoppers: 40,
        sessions: 400,
        ..DemoConfig::default()
    };
    let audience = Audience::new(&config);
    let known = run::history(&audience, &demo::generate(&config));
    let options = Options {
        seed: 7,
        days: 3,
        visits: 60,
        concurrency: 2,
        rate: None,
        deadline: None,
        run_tag: "traffictest".into(),
    };

    let log = run::simulate(&store, &audience, known, &options).await;

    assert_eq!(log.failed, 0);
    assert!(log.visits.len() >= 40, "{} visits", log.visits.len());
    let report = Report::new(&log, audience.active_products());
    let results = store.settled_results(id, report.shown()).await.unwrap();
    let api = api_arms(&results);
    assert_eq!(api.len(), 2);
    for (name, found) in &api {
        let mine = report.arms.iter().find(|a| &a.name == name).unwrap();
        assert!(mine.ctr.trials > 0, "{name} served nothing");
        assert_eq!(found["ctr"]["trials"], mine.ctr.trials, "{name}");
        assert_eq!(found["ctr"]["successes"], mine.ctr.successes, "{name}");
    }
    let clicks: u64 = report.arms.iter().map(|a| a.ctr.successes).sum();
    assert!(clicks > 0, "{}", report.table());
    let stored_clicks = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::Kind.eq("click"))
        .filter(event::Column::RecId.is_not_null())
        .count(&app.db.conn)
        .await
        .unwrap();
    assert!(stored_clicks >= clicks, "every click reached the app");
    let tagged = impression::Entity::find()
        .filter(impression::Column::ExperimentId.eq(id))
        .count(&app.db.conn)
        .await
        .unwrap();
    assert!(tagged > 0);
    let orders = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::SessionId.starts_with("traffictest"))
        .count(&app.db.conn)
        .await
        .unwrap();
    let simulated: usize = report.arms.iter().map(|a| a.orders).sum();
    assert!(orders > 0, "{}", report.table());
    assert!(orders as usize >= simulated);
    let table = report.cross_check(&results);
    assert!(table.contains("| diversified |") && table.contains("| relevance_only |"));
}
