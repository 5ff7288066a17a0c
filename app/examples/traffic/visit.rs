//! One simulated visit through the demo shop's HTTP paths: a landing page (home, or a product
//! the shopper found on their own), recommendations on every page, clicks on them by the
//! shopper's click model (sent as pixel events carrying the rec id), adds to cart and a
//! checkout through the storefront's forms.

use std::collections::HashSet;

use chrono::Utc;
use demo::audience::Member;
use rand::Rng as _;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::storefront::{Served, Storefront, Who};

/// Share of visits that land on the home page (the rest land on a product page).
const HOME_LANDING: f64 = 0.55;
/// Chance of another page after one without a click on a recommendation: the shopper
/// browses on by themselves.
const BROWSE_ON: f64 = 0.45;
/// Chance of another page after a page whose recommendation was clicked (the click is the
/// next page) is 1; visits end after this many pages anyway.
const MAX_PAGES: usize = 8;

/// A page of the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Home,
    Product(i64),
}

/// What a shopper had touched (viewed, clicked, carted) before the visit began.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub products: HashSet<i64>,
    pub categories: HashSet<u32>,
}

/// One recommendation answer and what the shopper did with it.
#[derive(Debug, Clone)]
pub struct Impression {
    pub served: Served,
    /// The product clicked, if any.
    pub clicked: Option<i64>,
}

/// What happened in one visit.
#[derive(Debug, Clone, Default)]
pub struct VisitLog {
    pub shopper: usize,
    pub day: u32,
    pub impressions: Vec<Impression>,
    /// Products viewed, clicked or carted, in order.
    pub touched: Vec<i64>,
    pub carted: Vec<i64>,
    /// Whether a cart add followed an answer served under an experiment arm.
    pub carted_after_arm: bool,
    /// Order total in minor units (0 without an order).
    pub revenue_minor: i64,
    /// Whether a product / category was new to the shopper (see [`Known`]).
    pub new_product: bool,
    pub new_category: bool,
}

impl VisitLog {
    /// A click on a recommendation or an add to cart.
    pub fn engaged(&self) -> bool {
        !self.carted.is_empty() || self.impressions.iter().any(|i| i.clicked.is_some())
    }

    /// The experiment arm the visit's answers were served under (its first tagged one).
    pub fn arm(&self) -> Option<&str> {
        self.impressions
            .iter()
            .find_map(|i| i.served.arm.as_deref())
    }
}

/// Everything a visit needs.
pub struct Visit<'a> {
    pub store: &'a Storefront,
    pub shopper: Member<'a>,
    pub known: &'a Known,
    /// Storefront session id (letters and digits: it is also the storefront's cookie).
    pub session: String,
    pub rng: ChaCha8Rng,
}

impl Visit<'_> {
    /// Runs the visit of shopper `index` on `day`.
    pub async fn run(mut self, index: usize, day: u32) -> anyhow::Result<VisitLog> {
        let logged_in = self.shopper.logs_in(&mut self.rng);
        let customer_id = self.shopper.customer_id().filter(|_| logged_in);
        let session = self.session.clone();
        let who = Who {
            anonymous_id: self.shopper.anonymous_id(),
            session_id: &session,
            customer_id,
        };
        let mut log = VisitLog {
            shopper: index,
            day,
            ..VisitLog::default()
        };
        let mut cookies = format!("meander_demo_session={}", self.session);
        let mut page = if self.rng.random_bool(HOME_LANDING) {
            Some(Page::Home)
        } else {
            self.shopper.browse(&mut self.rng).map(Page::Product)
        };
        for _ in 0..MAX_PAGES {
            let Some(here) = page else { break };
            page = self.page(here, who, &mut cookies, &mut log).await?;
        }
        if !log.carted.is_empty()
            && self
                .rng
                .random_bool(self.shopper.purchase_probability(logged_in))
        {
            self.store.checkout(&mut cookies).await?;
            log.revenue_minor = log.carted.iter().map(|&p| price(&self, p)).sum();
        }
        self.discoveries(&mut log);
        Ok(log)
    }

    /// Shows `here` with its recommendations and plays the shopper's reaction; returns the
    /// next page, if the visit goes on.
    async fn page(
        &mut self,
        here: Page,
        who: Who<'_>,
        cookies: &mut String,
        log: &mut VisitLog,
    ) -> anyhow::Result<Option<Page>> {
        let (surface, product) = match here {
            Page::Home => ("home", None),
            Page::Product(p) => ("pdp", Some(p)),
        };
        // The pixel reports the page view as the page loads, before its modules ask.
        if let Some(p) = product {
            self.store.events(&[event(who, "view", p, None)]).await?;
            log.touched.push(p);
        }
        let served = self.store.recs(surface, product, who).await?;
        let clicked = self.click(&served, log);
        log.impressions.push(Impression {
            served: served.clone(),
            clicked,
        });
        if let Some(p) = product
            && self
                .rng
                .random_bool(self.shopper.add_to_cart_probability(p))
        {
            self.store.add_to_cart(cookies, p).await?;
            log.carted.push(p);
            log.carted_after_arm |= log.arm().is_some();
        }
        if let Some(p) = clicked {
            let click = event(who, "click", p, Some((&served, surface)));
            self.store.events(&[click]).await?;
            log.touched.push(p);
        }
        Ok(match clicked {
            Some(p) => Some(Page::Product(p)),
            None if self.rng.random_bool(BROWSE_ON) => {
                self.shopper.browse(&mut self.rng).map(Page::Product)
            }
            None => None,
        })
    }

    /// The first recommendation the shopper clicks, scanning in display order.
    fn click(&mut self, served: &Served, log: &VisitLog) -> Option<i64> {
        served.items.iter().enumerate().find_map(|(i, &p)| {
            let familiar = self.known.products.contains(&p) || log.touched.contains(&p);
            let chance = self.shopper.click_probability(p, i + 1, familiar);
            self.rng.random_bool(chance.clamp(0.0, 1.0)).then_some(p)
        })
    }

    /// Marks the visit as discovering a product or category the shopper had not touched.
    fn discoveries(&self, log: &mut VisitLog) {
        let audience_category = |p: i64| self.shopper_product(p).map(|product| product.category_id);
        log.new_product = log.touched.iter().any(|p| !self.known.products.contains(p));
        log.new_category = log
            .touched
            .iter()
            .filter_map(|&p| audience_category(p))
            .any(|c| !self.known.categories.contains(&c));
    }

    fn shopper_product(&self, id: i64) -> Option<&demo::Product> {
        self.shopper.audience().product(id)
    }
}

/// The price of `product`'s first variant (what the demo cart charges without a variant).
fn price(visit: &Visit<'_>, product: i64) -> i64 {
    visit
        .shopper_product(product)
        .and_then(|p| p.variants.first())
        .map_or(0, |v| v.price_cents)
}

/// A pixel event on `product`; a click names the answer it came from and its position.
fn event(who: Who<'_>, kind: &str, product: i64, from: Option<(&Served, &str)>) -> Value {
    let mut event = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "kind": kind,
        "occurred_at": Utc::now().to_rfc3339(),
        "anonymous_id": who.anonymous_id,
        "session_id": who.session_id,
        "product_id": product.to_string(),
    });
    if let Some(customer) = who.customer_id {
        event["customer_id"] = json!(customer.to_string());
    }
    if let Some((served, surface)) = from {
        let position = served
            .items
            .iter()
            .position(|&p| p == product)
            .map(|i| i + 1);
        event["rec_id"] = json!(served.rec_id);
        event["surface"] = json!(surface);
        event["position"] = json!(position);
    }
    event
}
