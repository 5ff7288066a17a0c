//! The discovery dashboard API: charts rendered as SVG from the nightly rollups, CSV exports
//! of every table (summary, modules, daily, retention, cohorts, time to next purchase, bias, weekly
//! review), the weekly review, and clear errors for bad periods.

use chrono::Utc;
use entity::domain::RecId;
use services::rollups::{Windows, rollup_day};

use crate::admin_pages::{demo_mode_app, with_key};
use crate::helpers::json;

#[tokio::test]
async fn the_dashboard_draws_the_rolled_up_days_and_exports_them_as_csv() {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let yesterday = Utc::now().date_naive().pred_opt().unwrap();
    shown_yesterday(&app, shop_id).await;
    rollup_day(&app.db.conn, shop_id, yesterday, Windows::default())
        .await
        .unwrap();

    let dashboard = with_key(&app, "/admin/api/metrics?days=7", &key).await;
    let modules = with_key(&app, "/admin/api/metrics.csv?days=7&table=modules", &key).await;
    let daily = with_key(&app, "/admin/api/metrics.csv?days=7&table=daily", &key).await;

    assert_eq!(dashboard.status(), 200);
    let body = json(dashboard).await;
    assert_eq!(body["rolled_up_days"], 1);
    let per_module: Vec<(&str, f64)> = body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["surface"].as_str().unwrap(),
                m["impressions"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per_module,
        [("pdp/complete_the_look", 1.0), ("pdp/similar", 2.0)]
    );
    let modules = modules.text().await.unwrap();
    assert!(
        modules.starts_with("surface,impressions,clicks,ctr,add_to_cart_rate,")
            && modules.contains("\npdp/similar,2.0,"),
        "{modules}"
    );
    let charts = body["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 8);
    let discovery = charts.iter().find(|c| c["id"] == "discovery").unwrap();
    let svg = discovery["svg"].as_str().unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("<polyline"),
        "{svg}"
    );
    assert_eq!(daily.status(), 200);
    assert_eq!(
        daily.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let csv = daily.text().await.unwrap();
    assert!(
        csv.starts_with("day,surface,arm,metric,value,samples\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{yesterday},all,all,sessions,")),
        "{csv}"
    );
}

/// One product page answer at noon yesterday: two "similar" items and a "complete the look".
async fn shown_yesterday(app: &crate::helpers::TestApp, shop_id: i64) {
    use services::signals::{Asked, Impression, ShownItem};
    let noon = Utc::now()
        .date_naive()
        .pred_opt()
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let item = |position, module: &str| ShownItem {
        product_id: i64::from(position),
        module: module.into(),
        position,
        propensity: 1.0,
        explored: false,
    };
    let shown = Impression {
        shop_id,
        id: RecId::new(noon.and_utc(), 0, 1),
        rec_text: None,
        surface: "pdp".into(),
        traffic_source: "direct".into(),
        session_id: "s-yesterday".into(),
        anonymous_id: "b-yesterday".into(),
        customer_id: None,
        model_version: None,
        list_version: None,
        policy_version: "1".into(),
        items: vec![
            item(1, "similar"),
            item(2, "similar"),
            item(3, "complete_the_look"),
        ],
        experiment: None,
        asked: Asked::default(),
    };
    services::signals::impression::store(&app.db.conn, &[shown], &mut Default::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn bad_periods_and_tables_are_refused_and_the_key_is_required() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();

    for path in [
        "/admin/api/metrics?days=0",
        "/admin/api/metrics?days=366",
        "/admin/api/metrics?days=lots",
        "/admin/api/metrics.csv?table=everything",
    ] {
        let response = with_key(&app, path, &key).await;
        assert_eq!(response.status(), 400, "{path}");
        assert_eq!(json(response).await["error"], "bad_request", "{path}");
    }
    assert_eq!(app.get("/admin/api/metrics").await.status(), 401);
    let empty = with_key(&app, "/admin/api/metrics.csv", &key).await;
    assert_eq!(
        empty.status(),
        200,
        "no rows is an empty table, not an error"
    );
}

#[tokio::test]
async fn cohort_bias_and_weekly_tables_come_as_json_and_csv_behind_the_admin_key() {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let yesterday = Utc::now().date_naive().pred_opt().unwrap();
    rollup_day(&app.db.conn, shop_id, yesterday, Windows::default())
        .await
        .unwrap();

    let dashboard = json(with_key(&app, "/admin/api/metrics?days=7", &key).await).await;
    let weekly = with_key(&app, "/admin/api/metrics/weekly", &key).await;

    assert_eq!(dashboard["retention"].as_array().unwrap().len(), 3);
    let bias = dashboard["bias"].as_array().unwrap();
    assert!(
        bias.iter().any(|g| g["dimension"] == "brand")
            && bias.iter().any(|g| g["dimension"] == "price_band"),
        "{bias:?}"
    );
    for cohort in dashboard["cohorts"].as_array().unwrap() {
        // A cohort too young for a window says so, never zero.
        assert!(cohort["ltv_180d"].is_number() || cohort["ltv_180d"] == "incomplete");
    }
    assert_eq!(weekly.status(), 200);
    let review = json(weekly).await;
    let sentences = review["sentences"].as_array().unwrap();
    assert!(
        sentences[0].as_str().unwrap().starts_with("Week of "),
        "{sentences:?}"
    );
    for (table, header) in [
        ("retention", "window_days,shoppers,share\n"),
        (
            "bias",
            "dimension,group,products,catalog_share,impressions,exposure_share,sales_share,starved\n",
        ),
        ("weekly", "metric,label,kind,week,previous\n"),
        ("modules", ""),
        ("cohorts", ""),
        ("next_purchase", ""),
    ] {
        let path = format!("/admin/api/metrics.csv?days=7&table={table}");
        let response = with_key(&app, &path, &key).await;
        assert_eq!(response.status(), 200, "{table}");
        let csv = response.text().await.unwrap();
        assert!(csv.starts_with(header), "{table}: {csv}");
    }
}

#[tokio::test]
async fn the_new_tables_need_the_key_and_a_good_period() {
    let (app, _) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();

    for path in [
        "/admin/api/metrics/weekly",
        "/admin/api/metrics.csv?table=cohorts",
        "/admin/api/metrics.csv?table=bias",
    ] {
        assert_eq!(app.get(path).await.status(), 401, "{path}");
    }
    for path in [
        "/admin/api/metrics.csv?table=bias&days=0",
        "/admin/api/metrics.csv?table=cohorts&days=many",
        "/admin/api/metrics.csv?table=cohort",
    ] {
        let response = with_key(&app, path, &key).await;
        assert_eq!(response.status(), 400, "{path}");
        assert_eq!(json(response).await["error"], "bad_request", "{path}");
    }
}
