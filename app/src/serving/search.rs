//! Serving a search: the query parsed against the shop's words, text hits from the shop's
//! index, one page of them ranked by the ranker under the search policies with the session's
//! events, logged as one impression of surface `search` (module `search_results`), answered
//! like a recommendation (cards with rec id and position, so clicks are attributed).

use chrono::{DateTime, Utc};
use entity::domain::RecId;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::{Context, ServedList, ServedModule, Surface, TrafficSource, Visit};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use services::search::{MAX_CANDIDATES, MODULE, PAGE_SIZE, PageRequest, ParsedQuery, QueryClass};
use services::settings::Tuning;
use services::signals::{Asked, impression};

use super::cache::ShopModel;
use super::{RecRequest, RecResponse, log_impression, respond, session_events};
use crate::error::ApiError;

/// The reason every search result carries: it is there because it matches.
const REASON: &str = "matches_search";
const REASON_TEXT: &str = "Matches your search";

/// A parsed search request.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// Shop.
    pub shop_id: i64,
    /// The query as typed (the caller has bounded its length).
    pub query: String,
    /// 1-based page.
    pub page: usize,
    /// Storefront session, for the re-rank and the impression log.
    pub session_id: Option<String>,
    /// Anonymous browser id.
    pub anonymous_id: Option<String>,
    /// Logged-in customer.
    pub customer_id: Option<i64>,
    /// What brought the shopper.
    pub traffic_source: TrafficSource,
}

impl SearchRequest {
    /// The request as the recommendation log knows requests (surface `search`, no seed).
    fn as_rec_request(&self) -> RecRequest {
        RecRequest {
            shop_id: self.shop_id,
            surface: Surface::Search,
            product_id: None,
            cart: Vec::new(),
            session_id: self.session_id.clone(),
            anonymous_id: self.anonymous_id.clone(),
            customer_id: self.customer_id,
            traffic_source: self.traffic_source,
            modules: None,
            limit: PAGE_SIZE,
        }
    }
}

/// What the query was understood as.
#[derive(Debug, Serialize)]
pub struct QuerySummary {
    /// The query as parsed (trimmed, lower-cased, at most 200 characters).
    pub text: String,
    /// Branded, high-intent or generic.
    pub class: QueryClass,
    /// The brand it names.
    pub brand: Option<String>,
    /// The category names it names.
    pub categories: Vec<String>,
    /// Its price bounds, minor units.
    pub price_min_minor: Option<i64>,
    /// Its price bounds, minor units.
    pub price_max_minor: Option<i64>,
    /// Whether no product matched its words and the answer browses by its constraints or,
    /// without any, by what sells.
    pub fallback: bool,
}

/// A search answer: a recommendation answer of one module, `search_results`, plus the page.
#[derive(Debug, Serialize)]
pub struct SearchResponse {
    /// Rec id, surface, versions and the one module of results.
    #[serde(flatten)]
    pub results: RecResponse,
    /// What the query was understood as.
    pub query: QuerySummary,
    /// This page (1-based).
    pub page: usize,
    /// Items per page.
    pub page_size: usize,
    /// Whether the next page has items.
    pub has_more: bool,
}

/// Serves one search and logs its impression (an empty page too: the shopper saw it).
///
/// # Errors
/// 500 when storage, the index or the ranker fails.
pub async fn search(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &SearchRequest,
) -> Result<SearchResponse, ApiError> {
    let tuning = model.tuning();
    let response = search_as(
        conn,
        model,
        request,
        &tuning,
        impression::next_id(Utc::now()),
        None,
    )
    .await?;
    let asked = Asked {
        query: Some(request.query.clone()),
        page: Some(request.page),
        ..Asked::default()
    };
    let rec_request = request.as_rec_request();
    log_impression(model, &rec_request, &response.results, None, asked).await?;
    Ok(response)
}

/// The search answer with id `rec_id` under `tuning` (the search surface's rules), not
/// logged: [`search`] serves it now, the off-policy preflight again `at` the time it was
/// logged (as [`super::serve`] does).
///
/// # Errors
/// As [`search`].
pub(super) async fn search_as(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &SearchRequest,
    tuning: &Tuning,
    rec_id: RecId,
    at: Option<DateTime<Utc>>,
) -> Result<SearchResponse, ApiError> {
    let now = at.unwrap_or_else(Utc::now);
    let rec_request = request.as_rec_request();
    let parsed = model.search.parse(&request.query);
    let hits = if parsed.is_empty() {
        Vec::new()
    } else {
        model
            .search
            .search(&parsed, MAX_CANDIDATES)
            .map_err(ApiError::internal)?
    };
    let events = session_events(conn, model, &rec_request, now, at).await?;
    // A branded search hands the ranker the brand's catalog name, so its scope keeps to it
    // and lifts the brand cap; any other query names no brand.
    let ctx = Context::new(Surface::Search, now.timestamp())
        .with_query(parsed.brand.clone().unwrap_or_default())
        .with_events(events)
        .with_visit(Visit {
            source: request.traffic_source,
            ..Visit::default()
        });
    // Seeded by the rec id, as recommendations are: the answer can be replayed exactly.
    let mut rng = ChaCha8Rng::seed_from_u64(rec_id.seed());
    let page = PageRequest {
        ranker: tuning.ranker(Surface::Search),
        catalog: &model.view.catalog,
        policies: &model.search_policies,
        class: parsed.class,
        page: request.page,
        rules: tuning.rules(),
    }
    .serve(&hits, &ctx, &mut rng)
    .map_err(ApiError::internal)?;
    let served = ServedList {
        modules: vec![ServedModule {
            name: MODULE.to_owned(),
            items: page.items,
        }],
        ..ServedList::default()
    };
    let mut results = respond(model, tuning, &rec_request, rec_id, served);
    let offset = request.page.saturating_sub(1) * PAGE_SIZE;
    page_positions(&mut results, offset, (REASON, REASON_TEXT));
    let fallback = !parsed.terms.is_empty() && hits.iter().all(|h| h.text <= 0.0);
    Ok(SearchResponse {
        results,
        query: summary(model, &parsed, fallback),
        page: request.page,
        page_size: PAGE_SIZE,
        has_more: page.has_more,
    })
}

/// Positions counted over the whole result list from `offset` (a click on page 2 says how
/// deep it was), and every card's reason `reason` but a pinned one's ("Featured").
pub(super) fn page_positions(
    results: &mut RecResponse,
    offset: usize,
    reason: (&'static str, &'static str),
) {
    for item in results.modules.iter_mut().flat_map(|m| m.items.iter_mut()) {
        item.position += offset;
        if item.reason != services::surface::FEATURED.0 {
            item.reason = reason.0;
            reason.1.clone_into(&mut item.reason_text);
        }
        item.reason_product_id = None;
        item.reason_category = None;
    }
}

fn summary(model: &ShopModel, parsed: &ParsedQuery, fallback: bool) -> QuerySummary {
    let tree = model.view.catalog.categories();
    QuerySummary {
        text: parsed.normalized.clone(),
        class: parsed.class,
        brand: parsed.brand.clone(),
        categories: parsed
            .categories
            .iter()
            .filter_map(|c| tree.name(*c).map(str::to_owned))
            .collect(),
        price_min_minor: parsed.price.min_minor,
        price_max_minor: parsed.price.max_minor,
        fallback,
    }
}
