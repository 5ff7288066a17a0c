//! Serving a category or collection page: the products in the order
//! [`services::category`] gives them — for "recommended" personalised by the shopper's pool
//! (the stored profile's list steered by the session's viewed products, as the home page
//! builds it) and the session's intent — one page of it logged as one impression of surface
//! `category` (module `category_products`, positions counted across pages), answered like a
//! recommendation (cards with rec id and position, so clicks are attributed).

use chrono::{DateTime, Utc};
use ranker::{CandidatePool, Context, ServedList, ServedModule, SessionEvent, Surface, Visit};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use services::category::{MODULE, Ordering, PAGE_SIZE, Sort};
use services::signals::{Asked, impression};

use super::cache::ShopModel;
use super::search::page_positions;
use super::{
    RecRequest, RecResponse, candidate_pool, log_impression, respond, session_events,
    session_products, steer,
};
use crate::error::ApiError;

/// A card on a category page needs no reason: the page says why it is there.
const REASON: (&str, &str) = ("in_category", "");

/// A parsed category page request.
#[derive(Debug, Clone)]
pub struct CategoryRequest {
    /// The page's products (the category's or the collection's), any order.
    pub products: Vec<i64>,
    /// The order asked for.
    pub sort: Sort,
    /// 1-based page.
    pub page: usize,
    /// Shop, shopper and traffic source, as for a recommendation (surface `category`).
    pub shopper: RecRequest,
}

impl CategoryRequest {
    /// A request for `products` by the shopper of `shopper` (its surface and limit are set
    /// here).
    #[must_use]
    pub fn new(products: Vec<i64>, sort: Sort, page: usize, shopper: RecRequest) -> Self {
        let shopper = RecRequest {
            surface: Surface::Category,
            product_id: None,
            cart: Vec::new(),
            modules: None,
            limit: PAGE_SIZE,
            ..shopper
        };
        Self {
            products,
            sort,
            page,
            shopper,
        }
    }
}

/// A category page: a recommendation answer of one module, `category_products`, plus the page.
#[derive(Debug, Serialize)]
pub struct CategoryResponse {
    /// Rec id, surface, versions and the one module of products.
    #[serde(flatten)]
    pub results: RecResponse,
    /// The order (`recommended`, `price_asc`, `price_desc`, `newest`).
    pub sort: &'static str,
    /// This page (1-based).
    pub page: usize,
    /// Items per page.
    pub page_size: usize,
    /// Products on all pages.
    pub total: usize,
    /// Whether the next page has items.
    pub has_more: bool,
}

/// Serves one page and logs its impression (an empty page past the end too: the shopper
/// saw it).
///
/// # Errors
/// 500 when storage or the ranker fails.
pub async fn serve(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &CategoryRequest,
) -> Result<CategoryResponse, ApiError> {
    let rec_request = &request.shopper;
    let now = Utc::now();
    let events = session_events(conn, model, rec_request, now, None).await?;
    let personal = match request.sort {
        Sort::Recommended => shopper_pool(conn, model, rec_request, &events, now).await?,
        _ => CandidatePool::new(),
    };
    let ctx = Context::new(Surface::Category, now.timestamp())
        .with_events(events)
        .with_visit(Visit {
            source: rec_request.traffic_source,
            ..Visit::default()
        });
    let tuning = model.tuning();
    let order = Ordering {
        ranker: tuning.ranker(Surface::Category),
        view: &model.view,
        policies: &model.category_policies,
        rules: tuning.rules(),
    }
    .order(&request.products, request.sort, &personal, &ctx)
    .map_err(ApiError::internal)?;
    let total = order.len();
    let offset = request.page.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let served = ServedList {
        modules: vec![ServedModule {
            name: MODULE.to_owned(),
            items: order.into_iter().skip(offset).take(PAGE_SIZE).collect(),
        }],
        ..ServedList::default()
    };
    let rec_id = impression::next_id(now);
    let mut results = respond(model, &tuning, rec_request, rec_id, served);
    page_positions(&mut results, offset, REASON);
    // A category page is not replayed (its settings are not the merchant's to tune).
    log_impression(model, rec_request, &results, None, Asked::default()).await?;
    Ok(CategoryResponse {
        results,
        sort: request.sort.name(),
        page: request.page,
        page_size: PAGE_SIZE,
        total,
        has_more: total > offset.saturating_add(PAGE_SIZE),
    })
}

/// The shopper's pool as the home page builds it: the stored profile's (or the shop's)
/// list, steered by the products the session viewed in its last 90 seconds.
async fn shopper_pool(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    events: &[SessionEvent],
    now: DateTime<Utc>,
) -> Result<CandidatePool, ApiError> {
    let home = RecRequest {
        surface: Surface::Home,
        ..request.clone()
    };
    let viewed = session_products(model, Surface::Home, events, &[]);
    let mut pool = candidate_pool(conn, model, &home, Surface::Home, now.timestamp()).await?;
    steer(conn, model, &home, &[], &viewed, &mut pool).await?;
    Ok(pool)
}
