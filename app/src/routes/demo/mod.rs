//! The demo shop's storefront preview: `GET /demo` (home: picked-for-you modules, best sellers,
//! new arrivals, departments), categories, product pages and a cart, so the embedded mode shows
//! what shoppers would see on a fresh install.

mod data;
mod page;
mod results;
mod storefront;
mod visitor;

pub use results::results_page;
pub use storefront::{add_to_cart, cart_page, category_page, product_page};

use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::ApiError;
use crate::state::AppState;
use visitor::Visitor;

/// Renders the demo shop's home page, or a self-refreshing "loading" page until it exists.
///
/// # Errors
/// [`ApiError`] when the database cannot be read.
pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let visitor = Visitor::from_request(&req);
    let markup = match services::demo::ready_demo_shop(conn).await? {
        Some(shop) => {
            let recs = storefront::home_recs(&state, &shop, &visitor).await?;
            let shown: Vec<i64> = recs
                .modules
                .iter()
                .flat_map(|m| &m.items)
                .filter_map(|item| item.product_id.parse().ok())
                .collect();
            let view = data::overview(conn, shop, &shown).await?;
            let body = page::overview(&view, &storefront::modules(&recs, &view.shop.currency));
            storefront::shop_page(&view.shop, &visitor, &view.shop.name, &body)
        }
        None => page::loading(state.settings.demo_enabled()),
    };
    Ok(storefront::html_page(&visitor, markup))
}
