//! The demo shop's storefront preview, a small shop as a shopper uses it: the home page
//! (picked-for-you modules, best sellers, new arrivals, departments), category pages with sort
//! and pages, search results, product pages, a cart, a checkout and a thank-you page, each
//! with the recommendation modules of its surface. Errors on these pages are HTML pages; the
//! JSON API under `/demo/recs` and `/demo/search` keeps its JSON errors.

mod cart;
mod category;
mod checkout;
mod data;
mod home;
mod illustration;
mod page;
mod product;
mod results;
mod storefront;
mod style;
mod visitor;

pub use cart::{add_to_cart, cart_page, remove_line, update_line};
pub use category::category_page;
pub use checkout::{checkout_page, place_order, thank_you_page};
pub use illustration::favicon;
pub use page::error_page;
pub use product::product_page;
pub use results::results_page;

use actix_web::{HttpRequest, HttpResponse, web};
use services::surface::Surface;

use crate::error::ApiError;
use crate::state::AppState;
use visitor::Visitor;

/// The demo shop's JSON API: its errors stay JSON.
const JSON_ROUTES: [&str; 2] = ["/demo/recs", "/demo/search"];

/// Whether `path` is one of the demo shop's HTML pages (or would be: unknown paths under
/// `/demo/` get the HTML 404 page).
#[must_use]
pub fn is_page(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    (path == "/demo" || path.starts_with("/demo/"))
        && !JSON_ROUTES
            .iter()
            .any(|route| path == *route || path.starts_with(&format!("{route}/")))
}

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
            let model = state.models.get(conn, shop.id).await?;
            let recs =
                storefront::recommend(&state, shop.id, &model, &visitor, Surface::Home, None)
                    .await?;
            let shown: Vec<i64> = recs
                .modules
                .iter()
                .flat_map(|m| &m.items)
                .filter_map(|item| item.product_id.parse().ok())
                .collect();
            let view = home::overview(conn, shop, &shown).await?;
            let picked = storefront::modules(&recs, &model, &view.shop.currency);
            let body = page::overview(&view, &picked);
            storefront::shop_page(&view.shop, &visitor, &view.shop.name, &body)
        }
        None => page::loading(state.settings.demo_enabled()),
    };
    Ok(storefront::html_page(&visitor, markup))
}

#[cfg(test)]
mod tests {
    use super::is_page;

    #[test]
    fn demo_pages_are_html_and_the_json_api_is_not() {
        for page in [
            "/demo",
            "/demo/",
            "/demo/cart",
            "/demo/nope",
            "/demo/products/1",
        ] {
            assert!(is_page(page), "{page}");
        }
        for api in [
            "/demo/recs",
            "/demo/search",
            "/demo/search/",
            "/demox",
            "/proxy/recs",
        ] {
            assert!(!is_page(api), "{api}");
        }
    }
}
