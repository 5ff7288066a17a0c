//! `GET /demo/categories/{id}?sort=…&page=…`: a category page — breadcrumb, sort, one page of
//! products, links to the other pages — and the home modules, which follow the session.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use services::category::{PAGE_SIZE, Sort};
use services::surface::Surface;

use super::data::{self, CategoryView};
use super::page::{breadcrumbs, grid};
use super::storefront::{demo_shop, html_page, modules, recommend, shop_page, shopper};
use super::visitor::Visitor;
use crate::error::{ApiError, ErrorKind};
use crate::serving::category::{self, CategoryRequest};
use crate::state::AppState;

/// The page's query string.
#[derive(Debug, Deserialize)]
pub struct Params {
    #[serde(default)]
    sort: Sort,
    page: Option<usize>,
}

/// Renders one page of the category in the chosen order.
///
/// # Errors
/// 404 for an unknown category or before the demo shop is loaded; 400 for an unknown sort or
/// page 0; 500 on storage failures. A page past the end is an empty page, not an error.
pub async fn category_page(
    req: HttpRequest,
    path: web::Path<String>,
    params: web::Query<Params>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let category_id = path.into_inner();
    let page = params.page.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::new(ErrorKind::BadRequest, "Pages start at 1."));
    }
    let (shop, model) = demo_shop(&state).await?;
    let conn = &state.db.conn;
    let category = data::category(conn, shop.id, &category_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, "There is no such category."))?;
    let visitor = Visitor::from_request(&req);
    let request = CategoryRequest::new(
        category.products.clone(),
        params.sort,
        page,
        shopper(shop.id, &visitor, Surface::Category, None),
    );
    let ordered = category::serve(conn, &model, &request).await?;
    let shown: Vec<i64> = ordered
        .results
        .modules
        .iter()
        .flat_map(|m| &m.items)
        .filter_map(|item| item.product_id.parse().ok())
        .collect();
    let cards = data::cards_of(conn, shop.id, &shown).await?;
    let recs = recommend(&state, shop.id, &model, &visitor, Surface::Home, None).await?;
    let pages = ordered.total.div_ceil(PAGE_SIZE).max(1);
    let link = |page: usize| pager_link(&category_id, params.sort, page);
    let body = html! {
        (trail(&category))
        h2 { (category.name) }
        div.toolbar {
            p.muted { (ordered.total) " products · page " (page) " of " (pages) }
            (sort_form(&category_id, params.sort))
        }
        @if cards.is_empty() {
            p { "No products on this page. " a href=(link(1)) { "Back to the first page" } }
        } @else {
            (grid(&cards, &shop.currency))
        }
        nav.pages aria-label="Pages" {
            @if page > 1 && page <= pages { a rel="prev" href=(link(page - 1)) { "← Previous" } }
            @if page < pages { a rel="next" href=(link(page + 1)) { "Next →" } }
        }
        (modules(&recs, &model, &shop.currency))
    };
    Ok(html_page(
        &visitor,
        shop_page(&shop, &visitor, &category.name, &body),
    ))
}

fn pager_link(category: &str, sort: Sort, page: usize) -> String {
    format!(
        "/demo/categories/{category}?sort={}&page={page}",
        sort.name()
    )
}

fn trail(category: &CategoryView) -> Markup {
    let mut steps = vec![("Home".to_owned(), Some("/demo".to_owned()))];
    if let Some((id, name)) = &category.parent {
        steps.push((name.clone(), Some(format!("/demo/categories/{id}"))));
    }
    steps.push((category.name.clone(), None));
    breadcrumbs(&steps)
}

/// A plain GET form (works without scripts); the small script submits it on change.
fn sort_form(category: &str, current: Sort) -> Markup {
    html! {
        form.field method="get" action=(format!("/demo/categories/{category}")) {
            label for="sort" { "Sort by" }
            select #sort name="sort" onchange="this.form.submit()" {
                @for (sort, name, label) in Sort::ALL {
                    option value=(name) selected[sort == current] { (label) }
                }
            }
            noscript { button type="submit" { "Sort" } }
        }
    }
}
