//! The request context: where the list is shown, what it is about, what the shopper just did.

use serde::{Deserialize, Serialize};

use crate::catalog::{BrandId, Catalog, ItemId};

/// Where a list is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surface {
    /// Home page.
    Home,
    /// Product detail page.
    Product,
    /// Cart (drawer or page).
    Cart,
    /// Thank-you / post-purchase page.
    PostPurchase,
    /// Email (Klaviyo).
    Email,
    /// Search results.
    Search,
    /// Checkout.
    Checkout,
    /// A category or collection page: the whole category in a ranked, paginated order.
    Category,
}

/// What kind of session event happened; stronger actions weigh more in intent detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Product viewed.
    View,
    /// Recommendation or product link clicked.
    Click,
    /// Added to cart.
    AddToCart,
    /// Purchased.
    Purchase,
}

impl EventKind {
    /// Weight of this event in intent detection: an add-to-cart says more than a view.
    #[must_use]
    pub fn intent_weight(self) -> f32 {
        match self {
            Self::View => 1.0,
            Self::Click => 1.5,
            Self::AddToCart => 3.0,
            Self::Purchase => 2.0,
        }
    }
}

/// One session event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SessionEvent {
    /// The item involved.
    pub item: ItemId,
    /// What happened.
    pub kind: EventKind,
    /// When, unix seconds.
    pub at: i64,
}

/// Shopper-level features known at request time.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ShopperFeatures {
    /// Whether the shopper has visited before.
    pub returning: bool,
    /// Price sensitivity in `[0, 1]`, if estimated (1 = very sensitive).
    pub price_sensitivity: Option<f32>,
}

/// Where the visit came from; exploration caps can differ per source.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TrafficSource {
    /// Typed URL, bookmark, or unknown referrer.
    #[default]
    Direct,
    /// Organic search engine.
    Search,
    /// Social network.
    Social,
    /// Email campaign (Klaviyo).
    Email,
    /// Paid ads.
    Paid,
}

impl TrafficSource {
    /// The snake_case name used in APIs and logs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Search => "search",
            Self::Social => "social",
            Self::Email => "email",
            Self::Paid => "paid",
        }
    }

    /// The source named `name` (as [`Self::as_str`] writes it).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.as_str() == name)
    }

    /// Every source, in a fixed order (one-hot feature order).
    pub const ALL: [Self; 5] = [
        Self::Direct,
        Self::Search,
        Self::Social,
        Self::Email,
        Self::Paid,
    ];
}

/// The shopper's device class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    /// Desktop browser.
    #[default]
    Desktop,
    /// Phone.
    Mobile,
    /// Tablet.
    Tablet,
}

/// Request-level facts about the visit, for exploration caps and contextual bandits.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Visit {
    /// Where the visit came from.
    pub source: TrafficSource,
    /// Device class.
    pub device: Device,
}

/// Everything the ranker knows about one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// Where the list is shown.
    pub surface: Surface,
    /// The items the list is about (the PDP product, the cart lines); never recommended back.
    pub seeds: Vec<ItemId>,
    /// The session's recent events (older than the intent window are ignored, not rejected).
    pub events: Vec<SessionEvent>,
    /// Request time, unix seconds.
    pub now: i64,
    /// Shopper features.
    pub shopper: ShopperFeatures,
    /// Traffic source and device (defaults: direct, desktop).
    #[serde(default)]
    pub visit: Visit,
    /// The search query on the search surface, if any: it is branded when it names a brand in
    /// the catalog ([`Catalog::brand_in_query`]).
    #[serde(default)]
    pub query: Option<String>,
}

impl Context {
    /// A context with no seeds, no events and default shopper features.
    #[must_use]
    pub fn new(surface: Surface, now: i64) -> Self {
        Self {
            surface,
            seeds: Vec::new(),
            events: Vec::new(),
            now,
            shopper: ShopperFeatures::default(),
            visit: Visit::default(),
            query: None,
        }
    }

    /// Sets the search query.
    #[must_use]
    pub fn with_query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// With a query: `Some(the brand it names)` (`Some(None)` for a generic query); without
    /// one: `None`, and callers fall back to the session's dominant brand.
    #[must_use]
    pub fn query_brand(&self, catalog: &Catalog) -> Option<Option<BrandId>> {
        self.query.as_deref().map(|q| catalog.brand_in_query(q))
    }

    /// Sets the seed items.
    #[must_use]
    pub fn with_seeds(mut self, seeds: Vec<ItemId>) -> Self {
        self.seeds = seeds;
        self
    }

    /// Sets the visit facts.
    #[must_use]
    pub fn with_visit(mut self, visit: Visit) -> Self {
        self.visit = visit;
        self
    }

    /// Sets the session events.
    #[must_use]
    pub fn with_events(mut self, events: Vec<SessionEvent>) -> Self {
        self.events = events;
        self
    }
}
