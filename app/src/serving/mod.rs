//! Real-time serving: the precomputed pool for the request's seed, re-ranked with the last
//! 90 seconds of the session under the surface policy (with exploration), logged as an
//! impression with propensities, answered as JSON.

pub mod cache;
pub mod category;
mod experiment_cache;
pub mod experiments;
pub mod explain;
#[cfg(test)]
mod fixtures;
pub mod impressions;
pub mod lists;
pub mod preflight;
pub mod rules;
pub mod search;
pub mod sessions;
pub mod shops;
mod ttl;

use chrono::{DateTime, Duration, Utc};
use entity::domain::RecId;
use entity::event;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::candidates::new_arrivals::new_arrivals;
use ranker::{
    CandidatePool, Context, Reason, SessionEvent, Signals, Source, Step, Surface, TrafficSource,
    Visit,
};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QueryTrait};
use serde::Serialize;
use services::recs::pools;
use services::recs::profiles;
use services::recs::store::{self, GLOBAL_SEED, Generation, PRODUCT_SEED, PROFILE_SEED, SeedKey};
use services::settings::Tuning;
use services::signals::{Asked, ExperimentTag, Impression, ShownItem, impression};
use services::surface::{self, ReasonNames};

use crate::error::{ApiError, ErrorKind};
use cache::ShopModel;

/// Most items per module a caller may ask for.
pub const MAX_LIMIT: usize = 24;
/// Most cart lines that seed one answer (a cart of 200 lines is completed by its first 20).
pub const MAX_CART_LINES: usize = 20;

/// A parsed recommendation request.
#[derive(Debug, Clone)]
pub struct RecRequest {
    /// Shop.
    pub shop_id: i64,
    /// Surface (named `pdp`, `home`, … in the API; see [`services::surface`]).
    pub surface: Surface,
    /// Product page or cart seed.
    pub product_id: Option<i64>,
    /// The cart's products (cart and checkout), each a seed as much as `product_id`.
    pub cart: Vec<i64>,
    /// Storefront session, for the re-rank and the impression log.
    pub session_id: Option<String>,
    /// Anonymous browser id.
    pub anonymous_id: Option<String>,
    /// Logged-in customer (the app proxy's `logged_in_customer_id`).
    pub customer_id: Option<i64>,
    /// What brought the shopper (exploration caps differ per source; logged).
    pub traffic_source: TrafficSource,
    /// Only these modules are answered and logged (`None`: all of the surface's).
    pub modules: Option<Vec<String>>,
    /// Items per module.
    pub limit: usize,
}

impl RecRequest {
    /// The products the request is about: the page's product, then on the cart and checkout
    /// the cart's lines; each once, at most [`MAX_CART_LINES`].
    pub fn seed_products(&self) -> impl Iterator<Item = i64> + '_ {
        let mut seen = Vec::new();
        let cart = match self.surface {
            Surface::Cart | Surface::Checkout => self.cart.as_slice(),
            _ => &[],
        };
        self.product_id
            .into_iter()
            .chain(cart.iter().copied())
            .filter(move |id| {
                let new = !seen.contains(id);
                seen.push(*id);
                new
            })
            .take(MAX_CART_LINES)
    }
}

/// One recommended product.
#[derive(Debug, Serialize)]
pub struct RecItem {
    pub product_id: String,
    pub title: String,
    pub handle: String,
    pub brand: String,
    pub price_minor: Option<i64>,
    pub hue: u16,
    pub image_url: Option<String>,
    /// The reason's stable code (`goes_with`, `popular_in`, …).
    pub reason: &'static str,
    /// What the shopper reads ("Goes with Cast Iron Dutch Oven").
    pub reason_text: String,
    /// The product the reason names, if any.
    pub reason_product_id: Option<String>,
    /// The category the reason names, if any.
    pub reason_category: Option<String>,
    pub score: f32,
    pub propensity: f32,
    pub explored: bool,
    pub position: usize,
}

/// One module of the answer ("Similar items", "Complete the look", …).
#[derive(Debug, Serialize)]
pub struct RecModule {
    pub name: String,
    /// The heading the merchant set (or the default one).
    pub title: String,
    pub items: Vec<RecItem>,
}

/// The answer.
#[derive(Debug, Serialize)]
pub struct RecResponse {
    pub rec_id: RecId,
    pub surface: String,
    pub model_version: Option<String>,
    pub list_version: Option<String>,
    pub policy_version: u32,
    pub modules: Vec<RecModule>,
    /// The experiment arm the answer was served under (absent outside experiments), so the
    /// storefront's analytics and traffic tools can split what shoppers did by arm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<ServedArm>,
}

/// The experiment and arm an answer was served under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServedArm {
    /// Experiment id.
    pub experiment_id: i64,
    /// The arm whose policy was served; `None` when it fell back to the control.
    pub arm: Option<String>,
}

impl From<&ExperimentTag> for ServedArm {
    fn from(tag: &ExperimentTag) -> Self {
        Self {
            experiment_id: tag.experiment_id,
            arm: tag.arm.clone(),
        }
    }
}

/// Maps the API's surface names onto the ranker's.
///
/// # Errors
/// 400 for an unknown surface, and for `category`, which has its own endpoint.
pub fn parse_surface(name: &str) -> Result<Surface, ApiError> {
    match surface::parse(name) {
        // A category page is a whole ordered category, not a module of recommendations.
        Some(Surface::Category) => Err(ApiError::new(
            ErrorKind::BadRequest,
            "category pages are served by `collections/{handle}`, not as recommendations",
        )),
        Some(surface) => Ok(surface),
        None => Err(ApiError::new(
            ErrorKind::BadRequest,
            format!("unknown surface `{name}`"),
        )),
    }
}

/// Serves one request and logs its impression.
///
/// # Errors
/// 400/404 for bad input, 500 when storage or the ranker fails.
pub async fn recommend(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
) -> Result<RecResponse, ApiError> {
    let exposure = experiments::expose(conn, model, asked(request)).await?;
    let tuning = exposure
        .as_ref()
        .map_or_else(|| model.tuning(), |e| e.tuning(model));
    let mut response = answer(conn, model, request, &tuning).await?;
    let tag = exposure.map(|e| {
        response.modules.retain(|m| !e.withholds(&m.name));
        e.tag()
    });
    response.experiment = tag.as_ref().map(ServedArm::from);
    let asked = Asked {
        products: request.seed_products().collect(),
        ..Asked::default()
    };
    log_impression(model, request, &response, tag, asked).await?;
    Ok(response)
}

/// What the experiments see of `request`.
fn asked(request: &RecRequest) -> experiments::Asked<'_> {
    experiments::Asked {
        shop_id: request.shop_id,
        scope: services::experiments::assign::Request {
            surface: request.surface,
            modules: request.modules.as_deref(),
            source: request.traffic_source,
            customer: request.customer_id.is_some(),
        },
        shopper: services::experiments::assignment::Shopper {
            customer_id: request.customer_id,
            anonymous_id: request.anonymous_id.as_deref(),
        },
    }
}

/// Computes the answer exactly as a shopper would get it, without logging an impression:
/// the merchant's preview in the admin is not a shopper seeing the list.
///
/// # Errors
/// As [`recommend`].
pub async fn preview(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
) -> Result<RecResponse, ApiError> {
    answer(conn, model, request, &model.tuning()).await
}

/// The answer under `tuning` (the shop's settings, or an experiment arm's).
async fn answer(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    tuning: &Tuning,
) -> Result<RecResponse, ApiError> {
    let rec_id = impression::next_id(Utc::now());
    answer_as(conn, model, request, tuning, rec_id, None).await
}

/// The answer with id `rec_id`, its exploration seeded by the id: a logged answer can be
/// served again exactly (for debugging, and by the off-policy [`preflight`], which passes
/// the time it was logged as `at`).
async fn answer_as(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    tuning: &Tuning,
    rec_id: RecId,
    at: Option<DateTime<Utc>>,
) -> Result<RecResponse, ApiError> {
    let served = serve(conn, model, request, tuning, rec_id.seed(), at).await?;
    Ok(respond(model, tuning, request, rec_id, served))
}

/// The modules `request` gets under the settings of `tuning`, exploration drawn from an RNG
/// seeded with `seed` (the admin's preview serves the saved and a draft setting with one
/// seed, so they differ only by the settings).
///
/// `at` replays an answer logged then: the session's events are those of the 90 seconds
/// before it, none after. `None` serves now, with every event of the last 90 seconds (a
/// shopper's clock a little ahead of the server's still counts).
///
/// # Errors
/// As [`recommend`].
pub async fn serve(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    tuning: &Tuning,
    seed: u64,
    at: Option<DateTime<Utc>>,
) -> Result<ranker::ServedList, ApiError> {
    let surface = request.surface;
    let catalog = &model.view.catalog;
    let now = at.unwrap_or_else(Utc::now);
    if let Some(id) = request.product_id
        && catalog.id_of(id).is_none()
    {
        return Err(ApiError::new(
            ErrorKind::NotFound,
            format!("product {id} is not in the catalog"),
        ));
    }
    // Cart lines that left the catalog (deleted, unpublished) are simply not seeds.
    let seeds: Vec<i64> = request
        .seed_products()
        .filter(|id| catalog.id_of(*id).is_some())
        .collect();
    let events = session_events(conn, model, request, now, at).await?;
    let viewed = session_products(model, request.surface, &events, &seeds);
    let mut pool = candidate_pool(conn, model, request, surface, now.timestamp()).await?;
    steer(conn, model, request, &seeds, &viewed, &mut pool).await?;
    // On home the session's products are what the list is about: like a product page's
    // product, they are not recommended back.
    let about = seeds
        .iter()
        .chain(viewed.iter().filter(|_| surface == Surface::Home));
    let ctx = Context::new(surface, now.timestamp())
        .with_seeds(about.filter_map(|id| catalog.id_of(*id)).collect())
        .with_events(events)
        .with_visit(Visit {
            source: request.traffic_source,
            ..Visit::default()
        });
    let policy = tuning.policies().for_request(&ctx, &pool);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let signals = Signals::default().with_rules(tuning.rules());
    tuning
        .ranker(surface)
        .serve_with(catalog, &pool, &ctx, policy, &signals, &mut rng)
        .map_err(ApiError::internal)
}

/// Weight of the request's own list when the session steers it on home (the last 90
/// seconds outweigh the stored profile) and on product pages (the product itself leads).
const STORED_WEIGHT_UNDER_SESSION: f32 = 0.5;
const SESSION_WEIGHT_ON_PRODUCT_PAGE: f32 = 0.5;
/// Weight of each older session product (the newest has 1).
const SESSION_DECAY: f32 = 0.8;
/// Session products that steer one answer.
const SESSION_SEEDS: usize = 3;

/// The products of the last 90 seconds that steer home and product pages: the newest
/// [`SESSION_SEEDS`] distinct ones, newest first, other than the request's own seeds.
fn session_products(
    model: &ShopModel,
    surface: Surface,
    events: &[SessionEvent],
    seeds: &[i64],
) -> Vec<i64> {
    if !matches!(surface, Surface::Home | Surface::Product) {
        return Vec::new();
    }
    let mut viewed: Vec<i64> = Vec::new();
    for event in events.iter().rev() {
        let Some(id) = model.view.catalog.item(event.item).map(|i| i.external_id) else {
            continue;
        };
        if viewed.len() < SESSION_SEEDS && !viewed.contains(&id) && !seeds.contains(&id) {
            viewed.push(id);
        }
    }
    viewed
}

/// Widens the request's pool with the lists of the other products it is about: every
/// further cart line (a cart is completed as a whole, each line weighing the same), and the
/// session's `viewed` products, newest weighing most: on home they outweigh the stored
/// profile, on a product page the product itself leads.
async fn steer(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    seeds: &[i64],
    viewed: &[i64],
    pool: &mut CandidatePool,
) -> Result<(), ApiError> {
    let catalog = &model.view.catalog;
    let mut parts: Vec<(f32, i64)> = seeds.iter().skip(1).map(|id| (1.0, *id)).collect();
    let mut weight = match request.surface {
        Surface::Product => SESSION_WEIGHT_ON_PRODUCT_PAGE,
        _ => 1.0,
    };
    for id in viewed {
        parts.push((weight, *id));
        weight *= SESSION_DECAY;
    }
    if request.surface == Surface::Home && !viewed.is_empty() {
        *pool = rescaled(catalog, pool, STORED_WEIGHT_UNDER_SESSION)?;
    }
    // Home has no per-product lists of its own: a viewed product's page list stands in.
    let list_surface = match request.surface {
        Surface::Home => Surface::Product,
        other => other,
    };
    for (weight, id) in parts {
        if let Some(stored) = product_list(conn, model, request.shop_id, list_surface, id).await? {
            pool.merge_weighted(catalog, weight, &pools::candidates(catalog, &stored))
                .map_err(ApiError::internal)?;
        }
    }
    Ok(())
}

/// `pool` with every relevance scaled by `weight`.
fn rescaled(
    catalog: &ranker::Catalog,
    pool: &CandidatePool,
    weight: f32,
) -> Result<CandidatePool, ApiError> {
    let mut scaled = CandidatePool::new();
    scaled
        .merge_weighted(catalog, weight, pool.candidates())
        .map_err(ApiError::internal)?;
    Ok(scaled)
}

/// The precomputed `surface` list of product `id` (the pool itself before the first
/// precompute), through the list cache.
async fn product_list(
    conn: &DatabaseConnection,
    model: &ShopModel,
    shop_id: i64,
    surface: Surface,
    id: i64,
) -> Result<lists::CachedList, ApiError> {
    if let Some(version) = &model.versions.lists
        && surface::PER_PRODUCT.contains(&surface)
    {
        let key = SeedKey::new(surface::name(surface), PRODUCT_SEED, id.to_string());
        return Ok(model.lists.find(conn, shop_id, version, &key).await?);
    }
    let Some(version) = &model.versions.pools else {
        return Ok(None);
    };
    let stored = store::load(
        conn,
        shop_id,
        Generation::Pools(version),
        &SeedKey::product_pool(id),
    )
    .await?;
    Ok(stored.filter(|s| !s.is_empty()).map(Into::into))
}

/// The request's candidates: its precomputed list, else the model's pool for the seed, else
/// (before the first training) the newest arrivals.
async fn candidate_pool(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    surface: Surface,
    now: i64,
) -> Result<CandidatePool, ApiError> {
    let catalog = &model.view.catalog;
    if let Some(stored) = precomputed(conn, model, request, surface).await? {
        return pools::restore(catalog, &stored).map_err(ApiError::internal);
    }
    if let Some(version) = &model.versions.pools {
        let pools = Generation::Pools(version);
        let seeded = match request.seed_products().next() {
            Some(id) => {
                store::load(conn, request.shop_id, pools, &SeedKey::product_pool(id)).await?
            }
            None => None,
        };
        let stored = match seeded {
            Some(stored) if !stored.is_empty() => Some(stored),
            _ => store::load(conn, request.shop_id, pools, &SeedKey::global_pool()).await?,
        };
        if let Some(stored) = stored {
            return pools::restore(catalog, &stored).map_err(ApiError::internal);
        }
    }
    // Cold start: nothing trained yet, so show what is new.
    let mut pool = CandidatePool::new();
    let fresh = new_arrivals(catalog, now, 90 * 86_400, 200);
    pool.add_source(catalog, Source::NewArrival, 1.0, &fresh)
        .map_err(ApiError::internal)?;
    Ok(pool)
}

/// The precomputed list for the request: the product's for product pages and carts, the
/// shopper's (customer first, then browser) or the shop-wide one for home and email.
async fn precomputed(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    surface: Surface,
) -> Result<lists::CachedList, ApiError> {
    let Some(version) = &model.versions.lists else {
        return Ok(None);
    };
    // The precomputed surfaces say which lists exist, and under which name.
    let name_in = |table: &[Surface]| table.contains(&surface).then(|| surface::name(surface));
    let keys: Vec<SeedKey> = match (
        name_in(&surface::PER_PRODUCT),
        name_in(&surface::PER_PROFILE),
        request.seed_products().next(),
    ) {
        (Some(name), _, Some(id)) => vec![SeedKey::new(name, PRODUCT_SEED, id.to_string())],
        (Some(_), _, None) | (None, None, _) => return Ok(None),
        (None, Some(name), _) => request
            .customer_id
            .map(profiles::customer_profile)
            .into_iter()
            .chain(
                request
                    .anonymous_id
                    .as_deref()
                    .map(profiles::anonymous_profile),
            )
            .map(|profile| SeedKey::new(name, PROFILE_SEED, profile))
            .chain([SeedKey::new(name, GLOBAL_SEED, "*")])
            .collect(),
    };
    for key in keys {
        let found = model
            .lists
            .find(conn, request.shop_id, version, &key)
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The session's events of the window before `now`, oldest first: from the process's
/// [`sessions`] window when it holds every event and this is not a replay (`until`), else
/// from the database (with nothing after `until`).
async fn session_events(
    conn: &DatabaseConnection,
    model: &ShopModel,
    request: &RecRequest,
    now: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<SessionEvent>, ApiError> {
    let Some(session) = &request.session_id else {
        return Ok(Vec::new());
    };
    let since = now - Duration::seconds(sessions::WINDOW_SECS);
    let recent = match (&model.sessions, until) {
        (Some(window), None) => window.events(request.shop_id, session, since),
        _ => sessions::events_since(since)
            .filter(event::Column::ShopId.eq(request.shop_id))
            .filter(event::Column::SessionId.eq(session.as_str()))
            .apply_if(until, |query, until| {
                query.filter(event::Column::OccurredAt.lte(until))
            })
            .all(conn)
            .await?
            .into_iter()
            .filter_map(sessions::Recent::stored)
            .collect(),
    };
    let catalog = &model.view.catalog;
    Ok(recent
        .into_iter()
        .filter_map(|recent| {
            Some(SessionEvent {
                item: catalog.id_of(recent.product_id)?,
                kind: recent.kind,
                at: recent.at.timestamp(),
            })
        })
        .collect())
}

fn respond(
    model: &ShopModel,
    tuning: &Tuning,
    request: &RecRequest,
    rec_id: RecId,
    served: ranker::ServedList,
) -> RecResponse {
    let mut position = 0;
    // The cold-start module stands in for every module while a shop has no signals yet, so a
    // filtered request keeps it.
    let cold_start = &tuning.policies().cold_start().modules;
    let wanted = |name: &String| {
        request.modules.as_ref().is_none_or(|m| m.contains(name))
            || cold_start.iter().any(|m| m.name == *name)
    };
    let modules = served
        .modules
        .into_iter()
        .filter(|module| wanted(&module.name))
        .map(|module| RecModule {
            title: tuning.title(request.surface, &module.name),
            name: module.name,
            items: module
                .items
                .into_iter()
                .take(request.limit)
                .map(|item| {
                    position += 1;
                    let display = model.display.get(&item.ranked.external_id);
                    let pinned = item.step == Step::Pinned;
                    // A pinned card is there because the merchant said so: it says "Featured",
                    // not a relation the generator found.
                    let named = reason_product(model, item.ranked.reason).filter(|_| !pinned);
                    let names = reason_names(model, item.ranked.reason, named, request.product_id);
                    let (reason, reason_text) = if pinned {
                        (surface::FEATURED.0, surface::FEATURED.1.to_owned())
                    } else {
                        (
                            item.ranked.reason.code(),
                            surface::reason_text(item.ranked.reason, names),
                        )
                    };
                    RecItem {
                        product_id: item.ranked.external_id.to_string(),
                        title: display.map(|d| d.title.clone()).unwrap_or_default(),
                        handle: display.map(|d| d.handle.clone()).unwrap_or_default(),
                        brand: display.map(|d| d.brand.clone()).unwrap_or_default(),
                        price_minor: model
                            .view
                            .facts
                            .get(&item.ranked.external_id)
                            .map(|f| f.price_minor),
                        hue: display.map_or(0, |d| d.hue),
                        image_url: display.and_then(|d| d.image_url.clone()),
                        reason,
                        reason_text,
                        reason_product_id: named.map(|id| id.to_string()),
                        reason_category: names.category.filter(|_| !pinned).map(str::to_owned),
                        score: item.ranked.score,
                        propensity: item.propensity,
                        explored: item.explored,
                        position,
                    }
                })
                .collect(),
        })
        .collect();
    RecResponse {
        rec_id,
        surface: surface::name(request.surface).to_owned(),
        model_version: model.versions.pools.clone(),
        list_version: model.versions.lists.clone(),
        policy_version: ranker::policy::POLICY_VERSION,
        modules,
        experiment: None,
    }
}

/// The external id of the product a reason names.
fn reason_product(model: &ShopModel, reason: Reason) -> Option<i64> {
    let item = model.view.catalog.item(reason.product()?)?;
    Some(item.external_id)
}

/// The title and category name a reason names, for the text the shopper reads; the product
/// on the page is "this": its title is right above the list.
fn reason_names(
    model: &ShopModel,
    reason: Reason,
    named: Option<i64>,
    page: Option<i64>,
) -> ReasonNames<'_> {
    ReasonNames {
        product: match named {
            Some(id) if Some(id) == page => Some("this"),
            Some(id) => model.display.get(&id).map(|d| d.title.as_str()),
            None => None,
        },
        category: reason
            .category()
            .and_then(|c| model.view.catalog.categories().name(c)),
    }
}

/// The answer as one impression (every shown item with its module, position and
/// propensity, and what it was `asked` beyond the shopper, to be served again by the
/// preflight), stored by the background writer (see [`impressions`]).
async fn log_impression(
    model: &ShopModel,
    request: &RecRequest,
    response: &RecResponse,
    experiment: Option<ExperimentTag>,
    asked: Asked,
) -> Result<(), ApiError> {
    let session = request
        .session_id
        .clone()
        .unwrap_or_else(|| format!("rec-{}", response.rec_id));
    let anonymous = request
        .anonymous_id
        .clone()
        .unwrap_or_else(|| session.clone());
    let items = response
        .modules
        .iter()
        .flat_map(|m| m.items.iter().map(move |item| (m, item)))
        .filter_map(|(module, item)| {
            Some(ShownItem {
                product_id: item.product_id.parse().ok()?,
                module: module.name.clone(),
                position: i32::try_from(item.position).ok()?,
                propensity: f64::from(item.propensity),
                explored: item.explored,
            })
        })
        .collect();
    let shown = Impression {
        shop_id: request.shop_id,
        id: response.rec_id,
        rec_text: None,
        surface: surface::name(request.surface).to_owned(),
        traffic_source: request.traffic_source.as_str().to_owned(),
        session_id: session,
        anonymous_id: anonymous,
        customer_id: request.customer_id,
        model_version: response.model_version.clone(),
        list_version: response.list_version.clone(),
        policy_version: response.policy_version.to_string(),
        items,
        experiment,
        asked,
    };
    model
        .impressions
        .record(shown)
        .await
        .map_err(ApiError::internal)
}
