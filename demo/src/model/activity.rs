//! Shopper activity types: customers, sessions with their events, and orders.

use serde::Serialize;

/// A registered customer (a shopper who has an account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    /// Shopify-like numeric id (13 digits).
    pub id: i64,
    /// A unique address at `example.com`.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Unix seconds when the account was created; never after the customer's first session.
    pub created_at: i64,
}

/// One storefront visit with its ordered events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Unique id (UUID-shaped).
    pub id: String,
    /// The browser's anonymous id; returning visitors usually keep it across sessions.
    pub anonymous_id: String,
    /// The customer's id when the shopper was logged in (about 40% of sessions).
    pub customer_id: Option<i64>,
    /// Unix seconds of the first event.
    pub started_at: i64,
    /// `"mobile"`, `"desktop"` or `"tablet"`.
    pub device: String,
    /// Traffic source: `"direct"`, `"google"`, `"instagram"`, `"email"`, `"facebook"`, ….
    pub referrer: String,
    /// Events in time order.
    pub events: Vec<Event>,
}

/// What a shopper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Opened a product page.
    View,
    /// Added a variant to the cart.
    AddToCart,
    /// Searched the storefront; the event carries the query.
    Search,
    /// Bought a variant; one event per order line.
    Purchase,
}

impl EventKind {
    /// A stable snake_case name (`"view"`, `"add_to_cart"`, `"search"`, `"purchase"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::AddToCart => "add_to_cart",
            Self::Search => "search",
            Self::Purchase => "purchase",
        }
    }
}

/// One shopper event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Unix seconds.
    pub at: i64,
    /// What happened.
    pub kind: EventKind,
    /// The product, for views, add-to-carts and purchases.
    pub product_id: Option<i64>,
    /// The variant, for add-to-carts and purchases.
    pub variant_id: Option<i64>,
    /// The search text, for searches.
    pub query: Option<String>,
}

/// A completed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// Shopify-like numeric id (13 digits), increasing with `created_at`.
    pub id: i64,
    /// The buyer's customer id; `None` for a guest checkout.
    pub customer_id: Option<i64>,
    /// The session the order was placed in.
    pub session_id: String,
    /// Unix seconds (the time of the session's purchase events).
    pub created_at: i64,
    /// One or more lines, one per distinct variant.
    pub lines: Vec<OrderLine>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderLine {
    /// The product bought.
    pub product_id: i64,
    /// The variant bought.
    pub variant_id: i64,
    /// Units bought (usually 1).
    pub quantity: i64,
    /// Unit price paid in cents: the variant's current price.
    pub price_cents: i64,
}
