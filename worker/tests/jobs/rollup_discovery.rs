//! Discovery and order metrics of the daily rollup: sessions meeting products and categories
//! new to the shopper, recommendation clicks on new products, orders assisted by a surface
//! within the window (same session, browser or customer), and defined values for empty days.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::domain::RecId;
use entity::{event, metric_rollup, order, order_line};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use services::rollups::{Windows, rollup_day};

const DAY: &str = "2026-11-24";

fn day() -> NaiveDate {
    DAY.parse().unwrap()
}

/// `hh:mm` on [`DAY`], or `days` before it.
fn at(days_before: i64, hh: u32, mm: u32) -> DateTime<Utc> {
    day().and_hms_opt(hh, mm, 0).unwrap().and_utc() - Duration::days(days_before)
}

/// A storefront event; `surface` marks it attributed to a recommendation impression.
struct Ev<'a> {
    session: &'a str,
    browser: &'a str,
    customer: Option<i64>,
    kind: &'a str,
    product: Option<i64>,
    surface: Option<&'a str>,
    at: DateTime<Utc>,
}

async fn store(db: &common::Database, shop_id: i64, e: Ev<'_>) {
    event::ActiveModel {
        shop_id: Set(shop_id),
        kind: Set(e.kind.into()),
        anonymous_id: Set(e.browser.into()),
        customer_id: Set(e.customer),
        session_id: Set(e.session.into()),
        product_id: Set(e.product),
        surface: Set(e.surface.map(str::to_owned)),
        rec_id: Set(e.surface.map(|s| format!("r-{s}"))),
        impression_id: Set(e.surface.map(|_| 1)),
        occurred_at: Set(e.at),
        received_at: Set(e.at),
        ..Default::default()
    }
    .insert(&db.conn)
    .await
    .unwrap();
}

/// An order with `(product, quantity, unit price)` lines; its total is their sum.
async fn order(
    db: &common::Database,
    shop_id: i64,
    id: i64,
    shopper: (Option<&str>, Option<&str>, Option<i64>),
    lines: &[(i64, i64, i64)],
    placed_at: DateTime<Utc>,
) {
    let (session, browser, customer) = shopper;
    order::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        customer_id: Set(customer),
        session_id: Set(session.map(str::to_owned)),
        anonymous_id: Set(browser.map(str::to_owned)),
        currency: Set("EUR".into()),
        total_minor: Set(lines.iter().map(|(_, q, p)| q * p).sum()),
        placed_at: Set(placed_at),
    }
    .insert(&db.conn)
    .await
    .unwrap();
    for (line_no, (product, quantity, price)) in (1..).zip(lines) {
        order_line::ActiveModel {
            shop_id: Set(shop_id),
            order_id: Set(id),
            line_no: Set(line_no),
            product_id: Set(Some(*product)),
            variant_id: Set(None),
            quantity: Set(*quantity),
            price_minor: Set(*price),
        }
        .insert(&db.conn)
        .await
        .unwrap();
    }
}

/// The rolled-up `(value, samples)` of `metric` on `surface` for all traffic, if written.
async fn metric(db: &common::Database, surface: &str, metric: &str) -> Option<(f64, i64)> {
    arm_metric(db, "all", surface, metric).await
}

/// The rolled-up `(value, samples)` of `metric` on `surface` for `arm`, if written.
async fn arm_metric(
    db: &common::Database,
    arm: &str,
    surface: &str,
    metric: &str,
) -> Option<(f64, i64)> {
    metric_rollup::Entity::find()
        .filter(metric_rollup::Column::Arm.eq(arm))
        .filter(metric_rollup::Column::Surface.eq(surface))
        .filter(metric_rollup::Column::Metric.eq(metric))
        .one(&db.conn)
        .await
        .unwrap()
        .map(|row| (row.value, row.samples))
}

fn close(actual: Option<(f64, i64)>, expected: (f64, i64)) -> bool {
    actual.is_some_and(|(v, n)| (v - expected.0).abs() < 1e-9 && n == expected.1)
}

/// A shop of six products (mugs 1-2, lamps 3-4, a rug 5, an uncategorised 6) and a day of
/// three shoppers and four orders; see each step's comment.
async fn a_day_of_shopping(db: &common::Database) -> i64 {
    let shop = crate::fixtures::shop(db, "discovery.myshopify.com", "EUR").await;
    let s = shop.id;
    for (id, category) in [
        (1, "mugs"),
        (2, "mugs"),
        (3, "lamps"),
        (4, "lamps"),
        (5, "rugs"),
    ] {
        crate::fixtures::product(db, s, id, Some(category), "active").await;
    }
    crate::fixtures::product(db, s, 6, None, "active").await;
    crate::fixtures::show(db, s, "r-pdp", "pdp", &[3, 4], at(0, 9, 0)).await;
    crate::fixtures::show(db, s, "r-home", "home", &[5], at(0, 9, 0)).await;
    let ev = |session, browser, customer, kind, product, surface, at| Ev {
        session,
        browser,
        customer,
        kind,
        product,
        surface,
        at,
    };
    // Shopper A knew the mugs; today a PDP recommendation shows them a lamp, which they buy.
    store(
        db,
        s,
        ev("a-old", "a1", None, "view", Some(1), None, at(3, 10, 0)),
    )
    .await;
    store(
        db,
        s,
        ev("a-s1", "a1", None, "view", Some(1), None, at(0, 10, 0)),
    )
    .await;
    store(
        db,
        s,
        ev(
            "a-s1",
            "a1",
            None,
            "click",
            Some(3),
            Some("pdp"),
            at(0, 10, 1),
        ),
    )
    .await;
    store(
        db,
        s,
        ev("a-s1", "a1", None, "view", Some(3), None, at(0, 10, 2)),
    )
    .await;
    order(
        db,
        s,
        1,
        (Some("a-s1"), Some("a1"), None),
        &[(3, 2, 1_500), (2, 1, 1_000)],
        at(0, 10, 30),
    )
    .await;
    // Shopper B (customer 77) saw the rug on another device before; today's home click on it
    // discovers nothing, but the order it leads to (known only by customer) is assisted.
    store(
        db,
        s,
        ev("b-old", "b0", Some(77), "view", Some(5), None, at(10, 9, 0)),
    )
    .await;
    store(
        db,
        s,
        ev("b-s1", "b1", Some(77), "view", Some(5), None, at(0, 11, 0)),
    )
    .await;
    store(
        db,
        s,
        ev(
            "b-s1",
            "b1",
            Some(77),
            "click",
            Some(5),
            Some("home"),
            at(0, 11, 1),
        ),
    )
    .await;
    order(
        db,
        s,
        2,
        (None, None, Some(77)),
        &[(5, 1, 2_000)],
        at(0, 12, 0),
    )
    .await;
    // Shopper C only searched.
    store(
        db,
        s,
        ev("c-s1", "c1", None, "search", None, None, at(0, 13, 0)),
    )
    .await;
    // An order from another channel, without shopper ids.
    order(db, s, 3, (None, None, None), &[(6, 1, 500)], at(0, 14, 0)).await;
    // Shopper E clicked a cart recommendation ten days before ordering: outside 7 days.
    store(
        db,
        s,
        ev(
            "e-old",
            "e1",
            None,
            "click",
            Some(4),
            Some("cart"),
            at(10, 12, 0),
        ),
    )
    .await;
    order(
        db,
        s,
        4,
        (Some("e-s1"), Some("e1"), None),
        &[(4, 1, 700)],
        at(0, 15, 0),
    )
    .await;
    s
}

#[tokio::test]
async fn sessions_that_meet_new_products_and_categories_count_as_discovery() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = a_day_of_shopping(&db).await;

    rollup_day(&db.conn, shop, day(), Windows::default())
        .await
        .unwrap();

    assert!(close(metric(&db, "all", "sessions").await, (3.0, 3)));
    assert!(close(
        metric(&db, "all", "engaged_sessions").await,
        (2.0, 3)
    ));
    // A met a lamp (a new product and category); B only things seen on another device.
    assert!(close(metric(&db, "all", "discovery_rate").await, (0.5, 2)));
    assert!(close(
        metric(&db, "all", "category_discovery_rate").await,
        (0.5, 2)
    ));
    // A touched mugs and lamps, B rugs.
    assert!(close(metric(&db, "all", "category_spread").await, (1.5, 2)));
    assert!(close(
        metric(&db, "pdp", "click_discovery_rate").await,
        (1.0, 1)
    ));
    assert!(close(
        metric(&db, "home", "click_discovery_rate").await,
        (0.0, 1)
    ));
}

#[tokio::test]
async fn orders_are_assisted_by_the_surfaces_their_shoppers_engaged_with_in_the_window() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = a_day_of_shopping(&db).await;

    rollup_day(&db.conn, shop, day(), Windows::default())
        .await
        .unwrap();

    assert!(close(metric(&db, "all", "orders").await, (4.0, 4)));
    assert!(close(metric(&db, "all", "revenue").await, (7_200.0, 4)));
    assert!(close(metric(&db, "all", "aov").await, (1_800.0, 4)));
    assert!(close(
        metric(&db, "all", "revenue_per_session").await,
        (2_400.0, 3)
    ));
    // Categories per order: A 2 (lamps, mugs), B 1, E 1; the uncategorised order is left out.
    assert!(close(
        metric(&db, "all", "order_breadth").await,
        (4.0 / 3.0, 3)
    ));
    assert!(close(metric(&db, "all", "assisted_orders").await, (2.0, 4)));
    assert!(close(
        metric(&db, "all", "assisted_order_share").await,
        (0.5, 4)
    ));
    assert!(close(
        metric(&db, "all", "assisted_revenue").await,
        (6_000.0, 2)
    ));
    assert!(close(
        metric(&db, "all", "attributed_revenue").await,
        (5_000.0, 2)
    ));
    // The lamp line (2 × 15.00) is the PDP's; the mug bought with it only assisted.
    assert!(close(
        metric(&db, "pdp", "assisted_revenue").await,
        (4_000.0, 1)
    ));
    assert!(close(
        metric(&db, "pdp", "attributed_revenue").await,
        (3_000.0, 1)
    ));
    assert!(close(
        metric(&db, "home", "attributed_revenue").await,
        (2_000.0, 1)
    ));
    assert_eq!(
        metric(&db, "cart", "assisted_orders").await,
        None,
        "10 days > 7"
    );
    // Exposure over all surfaces: three of six products shown once each.
    assert!(close(metric(&db, "all", "exposure_gini").await, (0.5, 6)));
}

#[tokio::test]
async fn the_assisted_window_is_configurable() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = a_day_of_shopping(&db).await;

    rollup_day(&db.conn, shop, day(), Windows { assisted_days: 14 })
        .await
        .unwrap();

    assert!(close(
        metric(&db, "cart", "assisted_orders").await,
        (1.0, 4)
    ));
    assert!(close(metric(&db, "all", "assisted_orders").await, (3.0, 4)));
}

#[tokio::test]
async fn a_day_without_traffic_has_zero_storefront_rows_and_no_surface_rows() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "quiet.myshopify.com", "EUR").await;

    let written = rollup_day(&db.conn, shop.id, day(), Windows::default())
        .await
        .unwrap();

    assert!(written > 0);
    assert!(close(metric(&db, "all", "sessions").await, (0.0, 0)));
    assert!(close(metric(&db, "all", "orders").await, (0.0, 0)));
    assert!(close(metric(&db, "all", "discovery_rate").await, (0.0, 0)));
    let surfaces: Vec<String> = metric_rollup::Entity::find()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.surface)
        .filter(|surface| surface != "all")
        .collect();
    assert!(surfaces.is_empty(), "{surfaces:?}");
}

#[tokio::test]
async fn each_experiment_arm_gets_the_metrics_of_what_it_served_and_of_its_sessions() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "arms.myshopify.com", "EUR").await;
    let s = shop.id;
    for (id, category) in [
        (1, "mugs"),
        (2, "mugs"),
        (3, "lamps"),
        (4, "lamps"),
        (5, "rugs"),
    ] {
        crate::fixtures::product(&db, s, id, Some(category), "active").await;
    }
    let noon = at(0, 12, 0);
    // Experiment 7 on product pages: session a in the control (shown 1, 2), session b in
    // the treatment (shown 3, 4, 5); session c outside it (shown 1).
    crate::fixtures::show_in(
        &db,
        s,
        "ra",
        "pdp",
        &[1, 2],
        noon,
        ("a", "anon", Some((7, "control"))),
    )
    .await;
    let treated = crate::fixtures::show_in(
        &db,
        s,
        "rb",
        "pdp",
        &[3, 4, 5],
        noon,
        ("b", "anon", Some((7, "treatment"))),
    )
    .await;
    crate::fixtures::show_in(&db, s, "rc", "pdp", &[1], noon, ("c", "anon", None)).await;
    // Session b clicks the lamp it was shown and orders it for 30.00; session a only views.
    event::ActiveModel {
        shop_id: Set(s),
        kind: Set("click".into()),
        anonymous_id: Set("anon".into()),
        session_id: Set("b".into()),
        product_id: Set(Some(3)),
        surface: Set(Some("pdp".into())),
        rec_id: Set(Some("rb".into())),
        impression_id: Set(Some(treated)),
        occurred_at: Set(at(0, 12, 1)),
        received_at: Set(at(0, 12, 1)),
        ..Default::default()
    }
    .insert(&db.conn)
    .await
    .unwrap();
    store(
        &db,
        s,
        Ev {
            session: "a",
            browser: "other",
            customer: None,
            kind: "view",
            product: Some(1),
            surface: None,
            at: at(0, 12, 2),
        },
    )
    .await;
    order(
        &db,
        s,
        1,
        (Some("b"), Some("anon"), None),
        &[(3, 1, 3000)],
        at(0, 13, 0),
    )
    .await;

    rollup_day(&db.conn, s, day(), Windows::default())
        .await
        .unwrap();

    // What each arm served, and the clicks on it.
    assert_eq!(
        arm_metric(&db, "all", "pdp", "impressions").await,
        Some((6.0, 6))
    );
    assert_eq!(
        arm_metric(&db, "7:control", "pdp", "impressions").await,
        Some((2.0, 2))
    );
    assert_eq!(
        arm_metric(&db, "7:treatment", "pdp", "impressions").await,
        Some((3.0, 3))
    );
    assert_eq!(
        arm_metric(&db, "all", "pdp", "clicks").await,
        Some((1.0, 6))
    );
    assert_eq!(
        arm_metric(&db, "7:control", "pdp", "clicks").await,
        Some((0.0, 2))
    );
    assert!(close(
        arm_metric(&db, "7:treatment", "pdp", "ctr").await,
        (1.0 / 3.0, 3)
    ));
    assert!(close(
        arm_metric(&db, "7:control", "pdp", "catalog_exposure").await,
        (0.4, 5)
    ));
    // Each arm's sessions: discovery, orders and revenue per served session.
    assert_eq!(
        arm_metric(&db, "7:treatment", "all", "sessions").await,
        Some((1.0, 1))
    );
    assert_eq!(
        arm_metric(&db, "7:treatment", "all", "discovery_rate").await,
        Some((1.0, 1))
    );
    assert_eq!(
        arm_metric(&db, "7:control", "all", "discovery_rate").await,
        Some((1.0, 1))
    );
    assert_eq!(
        arm_metric(&db, "7:treatment", "all", "revenue").await,
        Some((3000.0, 1))
    );
    assert_eq!(
        arm_metric(&db, "7:control", "all", "orders").await,
        Some((0.0, 0))
    );
    assert_eq!(
        arm_metric(&db, "7:treatment", "all", "revenue_per_session").await,
        Some((3000.0, 1))
    );
    assert_eq!(
        arm_metric(&db, "7:control", "all", "revenue_per_session").await,
        Some((0.0, 1))
    );
    // All traffic keeps its rows: one order; sessions a and b had events (c only an
    // impression).
    assert_eq!(metric(&db, "all", "orders").await, Some((1.0, 1)));
    assert_eq!(metric(&db, "all", "sessions").await, Some((2.0, 2)));
}

#[tokio::test]
async fn each_module_of_a_surface_gets_the_metrics_of_its_own_items() {
    use services::signals::{Asked, Impression, ShownItem};
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "modules.myshopify.com", "EUR").await;
    let s = shop.id;
    for id in 1..=5 {
        crate::fixtures::product(&db, s, id, Some("mugs"), "active").await;
    }
    // One product page answer: two similar items, then one "complete the look".
    let item = |position, product_id, module: &str| ShownItem {
        product_id,
        module: module.into(),
        position,
        propensity: 1.0,
        explored: false,
    };
    let shown = Impression {
        shop_id: s,
        id: RecId::new(at(0, 12, 0), 0, 0),
        rec_text: Some("r-modules".into()),
        surface: "pdp".into(),
        traffic_source: "direct".into(),
        session_id: "s1".into(),
        anonymous_id: "b1".into(),
        customer_id: None,
        model_version: None,
        list_version: None,
        policy_version: "1".into(),
        items: vec![
            item(1, 1, "similar"),
            item(2, 2, "similar"),
            item(3, 5, "complete_the_look"),
        ],
        experiment: None,
        asked: Asked::default(),
    };
    services::signals::impression::store(&db.conn, &[shown], &mut Default::default())
        .await
        .unwrap();
    let impression = entity::impression::Entity::find()
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    // The shopper clicks the "complete the look" item (position 3).
    event::ActiveModel {
        shop_id: Set(s),
        kind: Set("click".into()),
        anonymous_id: Set("b1".into()),
        session_id: Set("s1".into()),
        product_id: Set(Some(5)),
        surface: Set(Some("pdp".into())),
        rec_id: Set(Some("r-modules".into())),
        impression_id: Set(Some(impression.id)),
        position: Set(Some(3)),
        occurred_at: Set(at(0, 12, 1)),
        received_at: Set(at(0, 12, 1)),
        ..Default::default()
    }
    .insert(&db.conn)
    .await
    .unwrap();

    // ... and buys it within the hour: revenue assisted by that module, not by "similar".
    order(
        &db,
        s,
        1,
        (Some("s1"), Some("b1"), None),
        &[(5, 1, 4000)],
        at(0, 13, 0),
    )
    .await;

    rollup_day(&db.conn, s, day(), Windows::default())
        .await
        .unwrap();

    let module = |name: &'static str, metric: &'static str| {
        let db = db.clone();
        async move {
            metric_rollup::Entity::find()
                .filter(metric_rollup::Column::Surface.eq("pdp"))
                .filter(metric_rollup::Column::Module.eq(name))
                .filter(metric_rollup::Column::Arm.eq("all"))
                .filter(metric_rollup::Column::Metric.eq(metric))
                .one(&db.conn)
                .await
                .unwrap()
                .map(|row| (row.value, row.samples))
        }
    };
    assert_eq!(module("all", "impressions").await, Some((3.0, 3)));
    assert_eq!(module("similar", "impressions").await, Some((2.0, 2)));
    assert_eq!(
        module("complete_the_look", "impressions").await,
        Some((1.0, 1))
    );
    assert_eq!(module("all", "clicks").await, Some((1.0, 3)));
    assert_eq!(module("similar", "ctr").await, Some((0.0, 2)));
    assert_eq!(module("complete_the_look", "ctr").await, Some((1.0, 1)));
    assert!(close(module("similar", "catalog_exposure").await, (0.4, 5)));
    assert_eq!(
        module("complete_the_look", "assisted_revenue").await,
        Some((4000.0, 1))
    );
    assert_eq!(
        module("complete_the_look", "attributed_revenue").await,
        Some((4000.0, 1))
    );
    assert_eq!(module("all", "assisted_orders").await, Some((1.0, 1)));
    assert_eq!(module("similar", "assisted_orders").await, None);
    // The dashboard's reads keep to whole surfaces; the module rows have their own.
    let whole = services::rollups::read(&db.conn, s, day(), day())
        .await
        .unwrap();
    assert!(whole.iter().all(|r| r.module == "all" && r.arm == "all"));
    let modules = services::rollups::read_modules(&db.conn, s, day(), day())
        .await
        .unwrap();
    let names: std::collections::BTreeSet<&str> =
        modules.iter().map(|r| r.module.as_str()).collect();
    assert_eq!(names, ["complete_the_look", "similar"].into());
}

#[tokio::test]
async fn each_experiment_arm_gets_the_repeat_visits_of_the_shoppers_it_served() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "repeat-arms.myshopify.com", "EUR").await;
    let s = shop.id;
    crate::fixtures::product(&db, s, 1, Some("mugs"), "active").await;
    let noon = at(0, 12, 0);
    let served = [
        ("a", "browser-a", "control"),
        ("b", "browser-b", "treatment"),
    ];
    for (session, browser, arm) in served {
        let rec_id = format!("r-{session}");
        let shown = (session, browser, Some((7, arm)));
        crate::fixtures::show_in(&db, s, &rec_id, "pdp", &[1], noon, shown).await;
    }
    // Only the treatment's shopper comes back, three days later.
    store(
        &db,
        s,
        Ev {
            session: "b2",
            browser: "browser-b",
            customer: None,
            kind: "view",
            product: Some(1),
            surface: None,
            at: at(-3, 10, 0),
        },
    )
    .await;

    // The 7-day window of DAY closes with DAY + 7: that rollup writes its rows under DAY.
    let week_later = day().checked_add_days(chrono::Days::new(7)).unwrap();
    rollup_day(&db.conn, s, week_later, Windows::default())
        .await
        .unwrap();

    assert_eq!(
        arm_metric(&db, "7:treatment", "all", "repeat_visit_7d").await,
        Some((1.0, 1))
    );
    assert_eq!(
        arm_metric(&db, "7:control", "all", "repeat_visit_7d").await,
        Some((0.0, 1))
    );
}
