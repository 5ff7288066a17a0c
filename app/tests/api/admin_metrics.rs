//! The discovery dashboard API: charts rendered as SVG from the nightly rollups, CSV exports
//! of the summary and daily tables, and clear errors for bad periods.

use chrono::Utc;
use services::rollups::{Windows, rollup_day};

use crate::admin_pages::{demo_mode_app, with_key};
use crate::helpers::json;

#[tokio::test]
async fn the_dashboard_draws_the_rolled_up_days_and_exports_them_as_csv() {
    let (app, shop_id) = demo_mode_app(None).await;
    let key = app.demo_admin_key.clone().unwrap();
    let yesterday = Utc::now().date_naive().pred_opt().unwrap();
    rollup_day(&app.db.conn, shop_id, yesterday, Windows::default())
        .await
        .unwrap();

    let dashboard = with_key(&app, "/admin/api/metrics?days=7", &key).await;
    let daily = with_key(&app, "/admin/api/metrics.csv?days=7&table=daily", &key).await;

    assert_eq!(dashboard.status(), 200);
    let body = json(dashboard).await;
    assert_eq!(body["rolled_up_days"], 1);
    let charts = body["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 5);
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
