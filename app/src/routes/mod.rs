//! HTTP routes, one module per area.

pub mod admin;
pub mod admin_api;
mod admin_cohorts;
pub mod admin_experiments;
pub mod admin_metrics;
pub mod admin_page;
pub mod admin_preview;
pub mod admin_rules;
pub mod admin_settings;
pub mod admin_shop;
pub mod auth;
mod charts;
pub mod collection;
pub mod collection_liquid;
pub mod demo;
pub mod email;
pub mod email_holdout;
pub mod email_oauth;
pub mod events;
pub mod feeds;
pub mod health;
pub mod metrics;
pub mod proxy;
pub mod recs;
pub mod recs_liquid;
pub mod search;
pub mod search_liquid;
pub mod webhooks;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{ApiError, ErrorKind};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        // Browsers ask for /favicon.ico by themselves; both answer the same SVG icon.
        .route("/favicon.ico", web::get().to(demo::favicon))
        .route("/favicon.svg", web::get().to(demo::favicon))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/demo", web::get().to(demo::overview))
        .route("/auth", web::get().to(auth::install))
        .route("/auth/callback", web::get().to(auth::callback))
        .route("/admin/api/session", web::get().to(admin::session))
        .route("/admin/api/recs", web::get().to(admin_api::recs))
        .route("/admin/api/jobs", web::get().to(admin_api::jobs))
        .route("/admin/api/overview", web::get().to(admin_api::overview))
        .route("/admin/api/shoppers", web::get().to(admin_api::shoppers))
        .route(
            "/admin/api/metrics",
            web::get().to(admin_metrics::dashboard),
        )
        .route("/admin/api/metrics.csv", web::get().to(admin_metrics::csv))
        .route(
            "/admin/api/metrics/weekly",
            web::get().to(admin_metrics::weekly),
        )
        .route("/discovery", web::get().to(admin_page::embedded))
        .route("/demo/admin/discovery", web::get().to(admin_page::demo))
        .route("/experiments", web::get().to(admin_page::embedded))
        .route("/demo/admin/experiments", web::get().to(admin_page::demo))
        .route("/admin/api/settings", web::get().to(admin_settings::list))
        .route(
            "/admin/api/settings/{surface}",
            web::put().to(admin_settings::save),
        )
        .route("/admin/api/preview", web::post().to(admin_preview::preview))
        .route(
            "/admin/api/preflight",
            web::post().to(admin_preview::preflight),
        )
        .route("/admin/api/rules", web::get().to(admin_rules::list))
        .route("/admin/api/rules", web::post().to(admin_rules::create))
        .route("/admin/api/rules/{id}", web::put().to(admin_rules::update))
        .route(
            "/admin/api/rules/{id}",
            web::delete().to(admin_rules::delete),
        )
        .route("/admin/api/audit", web::get().to(admin_rules::audit))
        .route("/", web::get().to(admin_page::embedded))
        .route("/settings", web::get().to(admin_page::embedded))
        .route("/preview", web::get().to(admin_page::embedded))
        .route("/rules", web::get().to(admin_page::embedded))
        .route("/demo/admin", web::get().to(admin_page::demo))
        .route("/demo/admin/settings", web::get().to(admin_page::demo))
        .route("/demo/admin/preview", web::get().to(admin_page::demo))
        .route("/demo/admin/rules", web::get().to(admin_page::demo))
        .configure(admin_experiments::routes)
        .route("/admin/api/email", web::get().to(email::overview))
        .route(
            "/admin/api/email/settings",
            web::put().to(email::save_settings),
        )
        .route(
            "/admin/api/email/holdout",
            web::get().to(email_holdout::holdout),
        )
        .route(
            "/admin/api/email/holdout.csv",
            web::get().to(email_holdout::holdout_csv),
        )
        .route(
            "/admin/api/email/klaviyo",
            web::post().to(email::connect_klaviyo),
        )
        .route(
            "/admin/api/email/klaviyo",
            web::delete().to(email_oauth::disconnect),
        )
        .route(
            "/admin/api/email/klaviyo/oauth",
            web::post().to(email_oauth::start),
        )
        .route("/klaviyo/callback", web::get().to(email_oauth::callback))
        .route(
            "/admin/api/email/feeds",
            web::post().to(email::enable_feeds),
        )
        .route(
            "/admin/api/email/feeds/rotate",
            web::post().to(email::rotate_feeds),
        )
        .route("/feeds/profiles/{customer}", web::get().to(feeds::profile))
        .route("/feeds/{feed}", web::get().to(feeds::feed))
        .route("/webhooks", web::post().to(webhooks::receive))
        .route("/proxy/status", web::get().to(proxy::status))
        .route("/proxy/recs", web::get().to(recs::proxied))
        .route("/proxy/search", web::get().to(search::proxied))
        .route(
            "/proxy/collections/{handle}",
            web::get().to(collection::proxied),
        )
        .route("/proxy/events", web::post().to(events::proxied))
        .route("/demo/recs", web::get().to(recs::demo))
        .route("/demo/search", web::get().to(search::demo))
        .route("/demo/results", web::get().to(demo::results_page))
        .route("/demo/products/{id}", web::get().to(demo::product_page))
        .route("/demo/categories/{id}", web::get().to(demo::category_page))
        .route("/demo/cart", web::get().to(demo::cart_page))
        .route("/demo/cart", web::post().to(demo::add_to_cart))
        .route("/demo/cart/update", web::post().to(demo::update_line))
        .route("/demo/cart/remove", web::post().to(demo::remove_line))
        .route("/demo/checkout", web::get().to(demo::checkout_page))
        .route("/demo/checkout", web::post().to(demo::place_order))
        .route("/demo/thank-you", web::get().to(demo::thank_you_page))
        .service(
            web::resource("/events")
                .wrap(events_cors())
                .route(web::post().to(events::ingest)),
        );
}

/// The web pixel posts from the shop's storefront origin, which we cannot list in advance.
fn events_cors() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allow_any_origin()
        .allowed_methods(["POST"])
        .allowed_header(actix_web::http::header::CONTENT_TYPE)
        .max_age(86_400)
}

/// The answer for paths no route matches.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorKind::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    ))
}
