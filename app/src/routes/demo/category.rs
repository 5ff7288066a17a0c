//! `GET /demo/categories/{id}?sort=…&page=…`: a category page — breadcrumb, sort, one page of
//! products, links to the other pages — and the home modules, which follow the session.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use services::surface::Surface;

use super::data::{self, CategoryView};
use super::page::{breadcrumbs, grid};
use super::storefront::{demo_shop, html_page, modules, recommend, shop_page};
use super::visitor::Visitor;
use crate::error::{ApiError, ErrorKind};
use crate::serving::cache::ShopModel;
use crate::state::AppState;

/// Products per category page.
const PAGE_SIZE: usize = 24;
/// The brand cap of the recommended order: at most this many of a brand per window.
const BRAND_CAP: usize = 2;
/// The window the brand cap applies to (a row and a half of cards).
const BRAND_WINDOW: usize = 8;

/// How a category page is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// In stock first, best sellers first, brands spread out.
    #[default]
    Recommended,
    /// Lowest price first.
    PriceAsc,
    /// Highest price first.
    PriceDesc,
    /// Newest first.
    Newest,
}

impl Sort {
    const ALL: [(Self, &'static str, &'static str); 4] = [
        (Self::Recommended, "recommended", "Recommended"),
        (Self::PriceAsc, "price_asc", "Price: low to high"),
        (Self::PriceDesc, "price_desc", "Price: high to low"),
        (Self::Newest, "newest", "Newest"),
    ];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(sort, _, _)| *sort == self)
            .map_or("recommended", |(_, name, _)| name)
    }
}

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
    let ordered = order(&model, &category.products, params.sort);
    let shown: Vec<i64> = ordered
        .iter()
        .skip((page - 1).saturating_mul(PAGE_SIZE))
        .take(PAGE_SIZE)
        .copied()
        .collect();
    let cards = data::cards_of(conn, shop.id, &shown).await?;
    let visitor = Visitor::from_request(&req);
    let recs = recommend(&state, shop.id, &model, &visitor, Surface::Home, None).await?;
    let pages = ordered.len().div_ceil(PAGE_SIZE).max(1);
    let link = |page: usize| pager_link(&category_id, params.sort, page);
    let body = html! {
        (trail(&category))
        h2 { (category.name) }
        div.toolbar {
            p.muted { (ordered.len()) " products · page " (page) " of " (pages) }
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

/// `products` in `sort` order; products the serving model does not know (not sellable) go last.
fn order(model: &ShopModel, products: &[i64], sort: Sort) -> Vec<i64> {
    let facts = &model.view.facts;
    let catalog = &model.view.catalog;
    let created = |id: &i64| {
        catalog
            .id_of(*id)
            .and_then(|i| catalog.item(i))
            .map_or(0, |item| item.created_at)
    };
    let price = |id: &i64| facts.get(id).map_or(i64::MAX, |f| f.price_minor);
    let mut ids = products.to_vec();
    match sort {
        Sort::PriceAsc => ids.sort_by_key(|id| (price(id), *id)),
        Sort::PriceDesc => ids.sort_by_key(|id| (std::cmp::Reverse(price(id)), *id)),
        Sort::Newest => ids.sort_by_key(|id| (std::cmp::Reverse(created(id)), *id)),
        Sort::Recommended => {
            let sells = |id: &i64| facts.get(id).map_or(0.0, |f| f.units_per_day);
            let in_stock = |id: &i64| facts.get(id).is_some_and(|f| f.available > 0);
            ids.sort_by(|a, b| {
                in_stock(b)
                    .cmp(&in_stock(a))
                    .then(sells(b).total_cmp(&sells(a)))
                    .then(a.cmp(b))
            });
            ids = spread_brands(model, ids);
        }
    }
    ids
}

/// Keeps the order but lets at most [`BRAND_CAP`] products of one brand into any run of
/// [`BRAND_WINDOW`]: a product over the cap waits for the next place it fits.
fn spread_brands(model: &ShopModel, mut waiting: Vec<i64>) -> Vec<i64> {
    let catalog = &model.view.catalog;
    let brand = |id: i64| {
        catalog
            .id_of(id)
            .and_then(|i| catalog.item(i))
            .and_then(|item| item.brand)
    };
    let mut placed: Vec<i64> = Vec::with_capacity(waiting.len());
    while !waiting.is_empty() {
        let window = &placed[placed.len().saturating_sub(BRAND_WINDOW - 1)..];
        let fits = |id: &i64| {
            brand(*id)
                .is_none_or(|b| window.iter().filter(|w| brand(**w) == Some(b)).count() < BRAND_CAP)
        };
        let next = waiting.iter().position(fits).unwrap_or(0);
        placed.push(waiting.remove(next));
    }
    placed
}
