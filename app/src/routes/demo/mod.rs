//! `GET /demo`: an overview of the generated demo shop (catalog, best sellers, new arrivals),
//! so the embedded mode shows real data on a fresh install.

mod data;
mod page;
mod storefront;

pub use storefront::product_page;

use actix_web::{HttpResponse, web};

use crate::error::ApiError;
use crate::state::AppState;

/// Renders the demo shop overview, or a self-refreshing "loading" page until it exists.
///
/// # Errors
/// [`ApiError`] when the database cannot be read.
pub async fn overview(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let markup = match worker::demo::ready_demo_shop(conn).await? {
        Some(shop) => page::overview(&data::overview(conn, shop).await?),
        None => page::loading(state.settings.demo_enabled()),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string()))
}
