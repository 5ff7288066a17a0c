//! Retention and cohort metrics, bias checks and the weekly review over a small known
//! history: exact repeat-visit shares, LTV per cohort with young cohorts marked incomplete,
//! the median time to the next purchase, the starved-group rule and the review's sentences.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use entity::{event, metric_rollup, order, order_line};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use services::rollups::bias::{self, Dimension};
use services::rollups::cohorts::{self, NextPurchase};
use services::rollups::{Windows, rollup_day};
use services::settings::SurfaceSettings;
use services::surface::Surface;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(d: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    d.and_hms_opt(hour, minute, 0).unwrap().and_utc()
}

/// A page view by `browser` (and `customer`, once known) at `when`.
async fn visit(
    db: &common::Database,
    shop_id: i64,
    browser: &str,
    customer: Option<i64>,
    when: DateTime<Utc>,
) {
    event::ActiveModel {
        shop_id: Set(shop_id),
        kind: Set("view".into()),
        anonymous_id: Set(browser.into()),
        customer_id: Set(customer),
        session_id: Set(format!("{browser}-{}", when.timestamp())),
        occurred_at: Set(when),
        received_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&db.conn)
    .await
    .unwrap();
}

async fn metric(db: &common::Database, shop_id: i64, d: NaiveDate, name: &str) -> (f64, i64) {
    let row = metric_rollup::Entity::find()
        .filter(metric_rollup::Column::ShopId.eq(shop_id))
        .filter(metric_rollup::Column::Day.eq(d))
        .filter(metric_rollup::Column::Surface.eq("all"))
        .filter(metric_rollup::Column::Metric.eq(name))
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {name} on {d}"));
    (row.value, row.samples)
}

#[tokio::test]
async fn repeat_visits_are_the_share_of_a_days_shoppers_back_within_7_30_and_60_days() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "repeat.myshopify.com", "EUR").await;
    let first = day("2026-09-01");
    let later = |days: u64, hour| at(first + Days::new(days), hour, 0);
    // Five shoppers on the first day: customer 1 on two browsers (one before logging in),
    // and the browsers b, c, e and f.
    visit(&db, shop.id, "a", None, at(first, 9, 0)).await;
    visit(&db, shop.id, "a", Some(1), at(first, 10, 0)).await;
    visit(&db, shop.id, "a2", Some(1), at(first, 11, 0)).await;
    visit(&db, shop.id, "b", None, at(first, 9, 0)).await;
    visit(&db, shop.id, "b", None, at(first, 20, 0)).await; // same day: not a return
    visit(&db, shop.id, "c", None, at(first, 9, 0)).await;
    visit(&db, shop.id, "e", None, at(first, 9, 0)).await;
    visit(&db, shop.id, "f", None, at(first, 9, 0)).await;
    // Customer 1 comes back on a third browser, e on the window's last minute, b after 20
    // days, c after 45; f never.
    visit(&db, shop.id, "z", Some(1), later(3, 12)).await;
    visit(&db, shop.id, "e", None, at(first + Days::new(7), 23, 59)).await;
    visit(&db, shop.id, "b", None, later(20, 12)).await;
    visit(&db, shop.id, "c", None, later(45, 12)).await;

    for days in [7, 30, 60] {
        rollup_day(
            &db.conn,
            shop.id,
            first + Days::new(days),
            Windows::default(),
        )
        .await
        .unwrap();
    }

    assert_eq!(
        metric(&db, shop.id, first, "repeat_visit_7d").await,
        (0.4, 5)
    );
    assert_eq!(
        metric(&db, shop.id, first, "repeat_visit_30d").await,
        (0.6, 5)
    );
    assert_eq!(
        metric(&db, shop.id, first, "repeat_visit_60d").await,
        (0.8, 5)
    );
}

/// An order of `total` minor units at noon of `date`.
async fn order_of(
    db: &common::Database,
    shop_id: i64,
    id: i64,
    (customer, browser): (Option<i64>, Option<&str>),
    date: &str,
    total: i64,
) {
    order::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        customer_id: Set(customer),
        session_id: Set(None),
        anonymous_id: Set(browser.map(str::to_owned)),
        currency: Set("EUR".into()),
        total_minor: Set(total),
        placed_at: Set(at(day(date), 12, 0)),
    }
    .insert(&db.conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn cohort_ltv_counts_each_customers_first_n_days_and_young_cohorts_are_incomplete() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "cohorts.myshopify.com", "EUR").await;
    let c = |id| (Some(id), None);
    // January: customers 1, 2 and 4.
    order_of(&db, shop.id, 1, c(1), "2026-01-10", 10_000).await;
    order_of(&db, shop.id, 2, c(1), "2026-02-20", 5_000).await; // day 41
    order_of(&db, shop.id, 3, c(1), "2026-05-01", 3_000).await; // day 111
    order_of(&db, shop.id, 4, c(2), "2026-01-31", 20_000).await;
    order_of(&db, shop.id, 5, c(4), "2026-01-20", 2_000).await;
    order_of(&db, shop.id, 6, c(4), "2026-01-21", 2_000).await;
    // September: customer 3, complete for 60 days only by December 4th.
    order_of(&db, shop.id, 7, c(3), "2026-09-15", 8_000).await;
    order_of(&db, shop.id, 8, c(3), "2026-09-25", 1_000).await;
    // November: a browser without a customer account; too young for any window.
    order_of(&db, shop.id, 9, (None, Some("anon-x")), "2026-11-15", 4_000).await;
    // Another channel: neither customer nor browser, left out.
    order_of(&db, shop.id, 10, (None, None), "2026-01-05", 99_999).await;

    let purchases = cohorts::purchases(&db.conn, shop.id).await.unwrap();
    let found = cohorts::ltv(&purchases, day("2026-12-04"));
    let gaps = cohorts::next_purchase(&purchases);

    let table: Vec<(&str, i64, Vec<Option<f64>>)> = found
        .iter()
        .map(|c| {
            let values = c.ltv.iter().map(|p| p.value_minor).collect();
            (c.month.as_str(), c.customers, values)
        })
        .collect();
    assert_eq!(
        table,
        [
            // (15 000 + 20 000 + 4 000) / 3 within 60 and 90 days; + 3 000 within 180.
            (
                "2026-01",
                3,
                vec![Some(13_000.0), Some(13_000.0), Some(14_000.0)]
            ),
            ("2026-09", 1, vec![Some(9_000.0), None, None]),
            ("2026-11", 1, vec![None, None, None]),
        ]
    );
    let month = |m: &str, repeats, median_days| NextPurchase {
        month: m.into(),
        repeats,
        median_days,
    };
    assert_eq!(
        gaps,
        [
            month("2026-01", 2, 21.0), // 41 and 1 days
            month("2026-02", 1, 70.0),
            month("2026-09", 1, 10.0),
        ]
    );
}

/// Product `id` of `brand` (as its vendor, the brand left empty).
async fn branded(db: &common::Database, shop_id: i64, id: i64, brand: &str) {
    let mut row = crate::fixtures::product(db, shop_id, id, None, "active")
        .await
        .into_active_model();
    row.vendor = Set(brand.into());
    row.update(&db.conn).await.unwrap();
}

#[tokio::test]
async fn a_brand_shown_under_half_its_catalog_share_is_flagged_starved_and_a_fair_one_is_not() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "bias.myshopify.com", "EUR").await;
    for id in 1..=22 {
        let brand = match id {
            1..=10 => "Big",
            11..=20 => "Small",
            _ => "Tiny", // too few products to judge
        };
        branded(&db, shop.id, id, brand).await;
    }
    let d = day("2026-11-24");
    let big: Vec<i64> = (1..=10).collect();
    for n in 0..11 {
        crate::fixtures::show(&db, shop.id, &format!("r{n}"), "pdp", &big, at(d, 12, n)).await;
    }
    crate::fixtures::show(&db, shop.id, "small", "home", &[11, 12], at(d, 13, 0)).await;
    order_of(&db, shop.id, 1, (Some(1), None), "2026-11-24", 5_000).await;
    order_line::ActiveModel {
        shop_id: Set(shop.id),
        order_id: Set(1),
        line_no: Set(1),
        product_id: Set(Some(11)),
        variant_id: Set(None),
        quantity: Set(1),
        price_minor: Set(5_000),
    }
    .insert(&db.conn)
    .await
    .unwrap();

    for _ in 0..2 {
        // A rerun replaces the day's product rows.
        rollup_day(&db.conn, shop.id, d, Windows::default())
            .await
            .unwrap();
    }
    let groups = bias::check(&db.conn, shop.id, d, d, 2).await.unwrap();

    let brand = |name: &str| {
        groups
            .iter()
            .find(|g| g.dimension == Dimension::Brand && g.group == name)
            .unwrap()
    };
    let small = brand("Small");
    assert_eq!((small.impressions, small.products), (2, 10));
    assert_eq!(small.exposure_share, 2.0 / 112.0);
    assert_eq!(small.catalog_share, 10.0 / 22.0);
    assert_eq!(small.sales_share, 1.0);
    assert!(small.starved);
    assert!(!brand("Big").starved);
    assert!(!brand("Tiny").starved, "two products are too few to judge");
}

#[tokio::test]
async fn the_weekly_review_says_what_changed_against_the_week_before() {
    let (_guard, db) = crate::fixtures::database().await;
    let shop = crate::fixtures::shop(&db, "review.myshopify.com", "EUR").await;
    // Reviewed a week from now, the last complete week is this one.
    let today = Utc::now().date_naive() + Days::new(7);
    let (week, previous) = services::review::Week::last_complete(today);
    let mut pdp = SurfaceSettings::defaults(Surface::Product);
    let share = if pdp.exploration.share > 0.1 {
        0.06
    } else {
        0.14
    };
    pdp.exploration.share = share;
    pdp.exploration.enabled = true;
    services::settings::store::save(&db.conn, shop.id, Surface::Product, 0, &pdp, "test")
        .await
        .unwrap();
    for (d, metric, value, samples) in [
        (week.from, "sessions", 100.0, 100),
        (previous.from, "sessions", 80.0, 80),
        (week.from, "ctr", 0.02, 100),
        (previous.to, "ctr", 0.03, 100),
        (week.to, "revenue", 12_345.0, 3),
    ] {
        metric_rollup::ActiveModel {
            shop_id: Set(shop.id),
            day: Set(d),
            surface: Set("all".into()),
            module: Set("all".into()),
            arm: Set("all".into()),
            metric: Set(metric.into()),
            value: Set(value),
            samples: Set(samples),
        }
        .insert(&db.conn)
        .await
        .unwrap();
    }
    let definition = serde_json::from_value(serde_json::json!({
        "name": "holdout",
        "surface": "pdp",
        "arms": [
            {"name": "control", "share": 50, "policy": {"kind": "current"}},
            {"name": "holdout", "share": 50, "policy": {"kind": "no_module"}},
        ],
    }))
    .unwrap();
    let noon = |d: NaiveDate| at(d, 12, 0);
    use services::experiments::store;
    let created = store::create(&db.conn, shop.id, &definition, noon(previous.from))
        .await
        .unwrap();
    store::start(&db.conn, shop.id, created.id, noon(week.from))
        .await
        .unwrap();
    let stopped = week.from + Days::new(2);
    store::stop(&db.conn, shop.id, created.id, "enough data", noon(stopped))
        .await
        .unwrap();

    let review = services::review::weekly(&db.conn, shop.id, today, "EUR")
        .await
        .unwrap();

    let said = |sentence: &str| review.sentences.iter().any(|s| s == sentence);
    assert_eq!(week.from.weekday(), chrono::Weekday::Mon);
    assert_eq!(
        review.sentences[0],
        format!(
            "Week of {} to {}, compared with {} to {}.",
            week.from, week.to, previous.from, previous.to
        )
    );
    let percent = |s: f32| format!("{:.0}", f64::from(s) * 100.0);
    let was = SurfaceSettings::defaults(Surface::Product).exploration;
    let before = if was.enabled {
        format!("on, up to {} % of items", percent(was.share))
    } else {
        "off".to_owned()
    };
    let pdp_line = format!(
        "Exploration on pdp: on, up to {} % of items; changed this week from {before} (1 save).",
        percent(share)
    );
    assert!(said(&pdp_line), "{:#?}", review.sentences);
    assert!(
        review
            .sentences
            .iter()
            .any(|s| s.starts_with("Exploration on home: ") && s.ends_with("(unchanged).")),
        "{:#?}",
        review.sentences
    );
    for sentence in [
        "Sessions: 100 (up 25.0 % from 80).",
        "Click-through rate on recommendations: 2.0 % (down 1.0 points from 3.0 %).",
        "Revenue: 123.45 EUR (no data the week before).",
        "Sessions discovering something new: no data this week.",
        "No brand or price band was starved of exposure.",
    ] {
        assert!(said(sentence), "{sentence}: {:#?}", review.sentences);
    }
    assert_eq!(
        review.experiments,
        [
            format!("Experiment \"holdout\" started on {}.", week.from),
            format!("Experiment \"holdout\" stopped on {stopped} (enough data)."),
        ]
    );
}
