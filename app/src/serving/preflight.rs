//! Off-policy preflight: before a merchant saves a settings change, estimate the click rate it
//! would get from the answers the surface already served.
//!
//! Each logged answer is served again, under the saved settings and under the draft, with the
//! same request (shopper, the products it was about or the search's query and page, the
//! session's events of the 90 seconds before it), at the time it was logged and with the same
//! exploration seed. A shown item's weight is the probability the replayed policy puts that
//! item in that slot (its propensity there, or 0 when the replay shows something else) over
//! the probability it was logged with; IPS,
//! SNIPS and doubly robust (`ranker::ope`) turn the weights and the logged clicks into
//! expected clicks per shown item, next to the live rate of the same answers.
//!
//! What it cannot see: the model as it was then (the shopper's profile and the pools are
//! today's), and an item the replay would have placed there by a different exploration
//! draw, so a change that moves many items reads low and its effective sample size says how
//! little of the log supports it. Category pages are not replayed: their order is not a
//! setting the merchant tunes.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use entity::domain::RecId;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::Surface;
use ranker::TrafficSource;
use ranker::ope::{Estimator, LoggedRecord, Ope};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use services::settings::Tuning;
use services::signals::replay::{self, LoggedAnswer};
use services::surface;

use super::cache::ShopModel;
use super::search::{SearchRequest, search_as};
use super::{MAX_LIMIT, RecRequest, answer_as};
use crate::error::{ApiError, ErrorKind};

/// Below this effective sample size an estimate is shown with a warning.
pub const MIN_TRUSTED_ESS: f64 = 100.0;
/// Most answers replayed per preflight (each is served twice).
pub const MAX_ANSWERS: u64 = 2_000;
/// Answers replayed when the merchant does not say.
pub const DEFAULT_ANSWERS: u64 = 500;
/// How far back the log is read.
const LOG_DAYS: i64 = 14;
/// Prior strength (in shown items) pulling an item's click rate toward its slot's.
const ITEM_PRIOR: f64 = 10.0;
/// Bootstrap resamples behind each interval.
const RESAMPLES: usize = 200;

/// The surfaces whose answers can be served again from the log alone: their request is the
/// shopper, the session and what the impression records it asked (products, a query).
pub const REPLAYABLE: [Surface; 7] = [
    Surface::Home,
    Surface::Product,
    Surface::Cart,
    Surface::PostPurchase,
    Surface::Email,
    Surface::Checkout,
    Surface::Search,
];

/// The log's own numbers.
#[derive(Debug, Serialize, PartialEq)]
pub struct Live {
    /// Answers read.
    pub answers: usize,
    /// Items shown in them (records the estimates average over).
    pub shown: usize,
    /// Items clicked.
    pub clicks: usize,
    /// Clicks per shown item.
    pub ctr: f64,
}

/// One policy's estimated clicks per shown item.
#[derive(Debug, Serialize)]
pub struct Estimated {
    /// Inverse propensity scoring.
    pub ips: f64,
    /// Self-normalised IPS (steadier when weights are uneven).
    pub snips: f64,
    /// Doubly robust, with item click rates as the reward model.
    pub dr: f64,
    /// 95 % percentile-bootstrap interval of SNIPS.
    pub snips_interval: (f64, f64),
    /// Kish's effective sample size of the weights.
    pub effective_sample_size: f64,
    /// Shown items the replay put in the same slot.
    pub matched: usize,
    /// Set when the effective sample size is too small to trust.
    pub warning: Option<String>,
}

/// The preflight's answer.
#[derive(Debug, Serialize)]
pub struct Preflight {
    /// Surface name.
    pub surface: &'static str,
    /// Days of log read.
    pub days: i64,
    /// The log's own numbers; `None` when the surface served nothing yet.
    pub live: Option<Live>,
    /// The saved settings, replayed: close to the live rate when the model has not changed
    /// since the log, which is the check that the replay is faithful.
    pub current: Option<Estimated>,
    /// The draft, replayed.
    pub draft: Option<Estimated>,
}

/// One logged answer that can be served again, with its usable shown items.
struct Logged<'a> {
    answer: &'a LoggedAnswer,
    /// The request it answered.
    request: Request,
    rec_id: RecId,
    slots: Vec<Slot>,
}

/// One shown item of the log.
struct Slot {
    record: LoggedRecord,
    product: i64,
}

/// Estimates `draft` (and, as the control, `saved`) on up to `answers` logged answers of
/// `surface` from the last 14 days.
///
/// # Errors
/// 400 for a surface that cannot be replayed, 500 when storage or the ranker fails.
pub async fn preflight(
    conn: &DatabaseConnection,
    model: &ShopModel,
    shop_id: i64,
    surface: Surface,
    tunings: (&Tuning, &Tuning),
    answers: u64,
) -> Result<Preflight, ApiError> {
    if !REPLAYABLE.contains(&surface) {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            format!(
                "`{}` answers are not replayed: their order is not a setting to preview",
                surface::name(surface)
            ),
        ));
    }
    let since = Utc::now() - Duration::days(LOG_DAYS);
    let name = surface::name(surface);
    let log = replay::recent(conn, shop_id, name, since, answers.min(MAX_ANSWERS)).await?;
    let logged: Vec<Logged<'_>> = log
        .iter()
        .filter_map(|answer| Logged::new(shop_id, surface, answer))
        .filter(|l| l.servable(model))
        .collect();
    let records: Vec<LoggedRecord> = logged
        .iter()
        .flat_map(|l| l.slots.iter().map(|s| s.record))
        .collect();
    let mut preflight = Preflight {
        surface: name,
        days: LOG_DAYS,
        live: None,
        current: None,
        draft: None,
    };
    if records.is_empty() {
        return Ok(preflight);
    }
    preflight.live = Some(Live {
        answers: logged.len(),
        shown: records.len(),
        clicks: records.iter().filter(|r| r.reward > 0.0).count(),
        ctr: ranker::ope::on_policy_value(&records),
    });
    let rates = ItemRates::fit(&logged);
    // The reward model's value of what was logged is the same for every replayed policy.
    let factual = logged
        .iter()
        .flat_map(|l| &l.slots)
        .map(|s| rates.predict(s.product, s.record.position))
        .collect();
    let replay = Replay {
        conn,
        model,
        logged: &logged,
        records: &records,
        rates: &rates,
        factual,
    };
    preflight.current = Some(replay.estimate(tunings.0).await?);
    preflight.draft = Some(replay.estimate(tunings.1).await?);
    Ok(preflight)
}

impl<'a> Logged<'a> {
    /// Whether the request can be asked again: a product page needs its product, logged
    /// (answers from before `impressions.asked` have none) and still in the catalog.
    fn servable(&self, model: &ShopModel) -> bool {
        let in_catalog = |id| model.view.catalog.id_of(id).is_some();
        match &self.request {
            Request::Recs(request) => match request.product_id {
                Some(id) => in_catalog(id),
                None => request.surface != Surface::Product,
            },
            Request::Search(_) => true,
        }
    }

    /// `None` for an answer whose rec id is not one this app issues (it cannot be reseeded),
    /// or a search whose query was not logged.
    fn new(shop_id: i64, surface: Surface, answer: &'a LoggedAnswer) -> Option<Self> {
        let rec_id = RecId::parse(&answer.rec_id)?;
        let request = Request::logged(shop_id, surface, answer)?;
        let slots = answer
            .items
            .iter()
            .filter_map(|item| {
                let clicked = answer.clicked.contains(&item.product_id);
                let record = LoggedRecord::new(
                    0,
                    0,
                    usize::try_from(item.position).ok()?,
                    f64::from(u8::from(clicked)),
                    item.propensity,
                )
                .ok()?;
                Some(Slot {
                    record,
                    product: item.product_id,
                })
            })
            .collect();
        Some(Self {
            answer,
            request,
            rec_id,
            slots,
        })
    }
}

/// The log, ready to be served again under any settings.
struct Replay<'r> {
    conn: &'r DatabaseConnection,
    model: &'r ShopModel,
    logged: &'r [Logged<'r>],
    records: &'r [LoggedRecord],
    rates: &'r ItemRates,
    /// `q̂` of each logged item in its slot, in record order.
    factual: Vec<f64>,
}

impl Replay<'_> {
    /// `tuning` replayed on every logged answer, turned into estimates.
    async fn estimate(&self, tuning: &Tuning) -> Result<Estimated, ApiError> {
        let mut target = Vec::with_capacity(self.records.len());
        let mut direct = Vec::with_capacity(self.records.len());
        for logged in self.logged {
            let replayed = self.answer(tuning, logged).await?;
            for slot in &logged.slots {
                let there = replayed.get(&slot.record.position);
                target.push(match there {
                    Some((product, p)) if *product == slot.product => *p,
                    _ => 0.0,
                });
                direct.push(there.map_or(0.0, |(product, _)| {
                    self.rates.predict(*product, slot.record.position)
                }));
            }
        }
        let ope = Ope::replayed(self.records, &target)
            .and_then(|ope| ope.with_replayed_model(direct, self.factual.clone()))
            .map_err(ApiError::internal)?;
        let value = |e| ope.estimate(e).map_or(0.0, |e| e.value);
        let mut rng = ChaCha8Rng::seed_from_u64(self.records.len() as u64);
        let interval = ope
            .bootstrap(Estimator::Snips, RESAMPLES, 0.95, &mut rng)
            .map_or((0.0, 0.0), |i| (i.lower, i.upper));
        let ess = ope.effective_sample_size();
        Ok(Estimated {
            ips: value(Estimator::Ips),
            snips: value(Estimator::Snips),
            dr: value(Estimator::Dr),
            snips_interval: interval,
            effective_sample_size: ess,
            matched: target.iter().filter(|p| **p > 0.0).count(),
            warning: (ess < MIN_TRUSTED_ESS).then(|| {
                format!(
                    "only {ess:.0} effective shown items of the log resemble these settings \
                     (fewer than {MIN_TRUSTED_ESS:.0}): the estimate is not to be trusted; \
                     try it as an experiment instead"
                )
            }),
        })
    }

    /// The answer `tuning` gives the logged request, as slot → (product, propensity).
    async fn answer(
        &self,
        tuning: &Tuning,
        logged: &Logged<'_>,
    ) -> Result<HashMap<usize, (i64, f64)>, ApiError> {
        let (conn, model, rec_id) = (self.conn, self.model, logged.rec_id);
        // The log keeps the millisecond: the events of that millisecond count as before the
        // answer, as they did live (serving reads every event stored by then).
        let at = Some(logged.answer.occurred_at + Duration::microseconds(999));
        let response = match &logged.request {
            Request::Recs(request) => answer_as(conn, model, request, tuning, rec_id, at).await?,
            Request::Search(request) => {
                search_as(conn, model, request, tuning, rec_id, at)
                    .await?
                    .results
            }
        };
        Ok(response
            .modules
            .iter()
            .flat_map(|m| &m.items)
            .filter_map(|item| {
                let product = item.product_id.parse().ok()?;
                Some((item.position, (product, f64::from(item.propensity))))
            })
            .collect())
    }
}

/// A logged answer's request, ready to be asked again.
enum Request {
    Recs(RecRequest),
    Search(SearchRequest),
}

impl Request {
    /// The request `answer` was; `None` for a search whose query was not logged.
    fn logged(shop_id: i64, surface: Surface, answer: &LoggedAnswer) -> Option<Self> {
        if surface != Surface::Search {
            return Some(Self::Recs(logged_request(shop_id, surface, answer)));
        }
        Some(Self::Search(SearchRequest {
            shop_id,
            query: answer.asked.query.clone()?,
            page: answer.asked.page.unwrap_or(1),
            session_id: Some(answer.session_id.clone()),
            anonymous_id: Some(answer.anonymous_id.clone()),
            customer_id: answer.customer_id,
            traffic_source: TrafficSource::from_name(&answer.traffic_source).unwrap_or_default(),
        }))
    }
}

/// The request a logged answer was: its shopper, session, products, modules and list length.
fn logged_request(shop_id: i64, surface: Surface, answer: &LoggedAnswer) -> RecRequest {
    let mut per_module: HashMap<&str, usize> = HashMap::new();
    for item in &answer.items {
        *per_module.entry(item.module.as_str()).or_default() += 1;
    }
    let limit = per_module
        .values()
        .copied()
        .max()
        .unwrap_or(1)
        .min(MAX_LIMIT);
    // A cart's products are all seeds; elsewhere the first is the page's product.
    let (product_id, cart) = match surface {
        Surface::Cart | Surface::Checkout => (None, answer.asked.products.clone()),
        _ => (answer.asked.products.first().copied(), Vec::new()),
    };
    RecRequest {
        shop_id,
        surface,
        product_id,
        cart,
        session_id: Some(answer.session_id.clone()),
        anonymous_id: Some(answer.anonymous_id.clone()),
        customer_id: answer.customer_id,
        traffic_source: TrafficSource::from_name(&answer.traffic_source).unwrap_or_default(),
        modules: Some(per_module.keys().map(|m| (*m).to_owned()).collect()),
        limit,
    }
}

/// Each product's click rate per shown item in the log, pulled toward its slot's rate when it
/// was shown little: the reward model of the doubly robust estimate.
struct ItemRates {
    by_slot: HashMap<usize, f64>,
    by_item: HashMap<i64, (f64, f64)>,
}

impl ItemRates {
    fn fit(logged: &[Logged<'_>]) -> Self {
        let mut by_slot: HashMap<usize, (f64, f64)> = HashMap::new();
        let mut by_item: HashMap<i64, (f64, f64)> = HashMap::new();
        for s in logged.iter().flat_map(|l| &l.slots) {
            for (clicks, shown) in [
                by_slot.entry(s.record.position).or_default(),
                by_item.entry(s.product).or_default(),
            ] {
                *clicks += s.record.reward;
                *shown += 1.0;
            }
        }
        Self {
            by_slot: by_slot
                .into_iter()
                .map(|(slot, (clicks, shown))| (slot, clicks / shown))
                .collect(),
            by_item,
        }
    }

    fn predict(&self, product: i64, slot: usize) -> f64 {
        let prior = self.by_slot.get(&slot).copied().unwrap_or(0.0);
        let (clicks, shown) = self.by_item.get(&product).copied().unwrap_or((0.0, 0.0));
        (clicks + ITEM_PRIOR * prior) / (shown + ITEM_PRIOR)
    }
}

#[cfg(test)]
mod tests {
    use super::REPLAYABLE;

    #[test]
    fn every_surface_a_merchant_tunes_can_be_replayed() {
        for surface in services::settings::SURFACES {
            assert!(REPLAYABLE.contains(&surface), "{surface:?}");
        }
    }
}
