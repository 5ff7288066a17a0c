//! One storefront event as the web pixel sends it, and its validation.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::error::SignalError;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Product page viewed.
    View,
    /// Variant added to the cart.
    AddToCart,
    /// Storefront search submitted.
    Search,
    /// Checkout completed (one event per purchased product).
    Purchase,
    /// A recommended product was clicked.
    Click,
}

impl EventKind {
    /// Stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::AddToCart => "add_to_cart",
            Self::Search => "search",
            Self::Purchase => "purchase",
            Self::Click => "click",
        }
    }
}

/// Device class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    /// Phone.
    Mobile,
    /// Desktop or laptop.
    Desktop,
    /// Tablet.
    Tablet,
    /// Anything else.
    Other,
}

impl Device {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::Desktop => "desktop",
            Self::Tablet => "tablet",
            Self::Other => "other",
        }
    }
}

/// Longest accepted identifier (event, session, anonymous, rec ids).
const MAX_ID_LEN: usize = 128;
/// Longest accepted search query.
const MAX_QUERY_LEN: usize = 256;
/// Events older than this are refused (clock skew or replayed queues).
const MAX_AGE_DAYS: i64 = 7;
/// Events from further in the future than this are refused.
const MAX_SKEW_MINUTES: i64 = 5;

/// One event of a batch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// Client-generated id; resending it is harmless.
    pub id: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// When it happened (RFC 3339).
    pub occurred_at: DateTime<Utc>,
    /// The browser's anonymous id.
    pub anonymous_id: String,
    /// The storefront session.
    pub session_id: String,
    /// Customer id when logged in or known at checkout.
    #[serde(default, deserialize_with = "super::id::deserialize_opt")]
    pub customer_id: Option<i64>,
    /// Product (number, numeric string or GID).
    #[serde(default, deserialize_with = "super::id::deserialize_opt")]
    pub product_id: Option<i64>,
    /// Variant (number, numeric string or GID).
    #[serde(default, deserialize_with = "super::id::deserialize_opt")]
    pub variant_id: Option<i64>,
    /// Search query.
    pub query: Option<String>,
    /// Recommendation surface, for impressions and clicks.
    pub surface: Option<String>,
    /// Recommendation list id, for impressions and clicks.
    pub rec_id: Option<String>,
    /// Slot of the clicked or shown item.
    pub position: Option<i32>,
    /// Probability the shown item had of being chosen.
    pub propensity: Option<f64>,
    /// Traffic source class (`direct`, `google`, `email`, …).
    pub referrer: Option<String>,
    /// Device class.
    pub device: Option<Device>,
}

impl EventInput {
    /// A shopper's event on a product in a direct-traffic session (the browser's anonymous
    /// id is the session's), as the demo storefront records it; the other fields are empty.
    #[must_use]
    pub fn on_product(kind: EventKind, session: &str, product: i64, at: DateTime<Utc>) -> Self {
        Self {
            id: None,
            kind,
            occurred_at: at,
            anonymous_id: session.to_owned(),
            session_id: session.to_owned(),
            customer_id: None,
            product_id: Some(product),
            variant_id: None,
            query: None,
            surface: None,
            rec_id: None,
            position: None,
            propensity: None,
            referrer: Some("direct".into()),
            device: None,
        }
    }

    /// Checks the event's fields and their combination; `index` names it in the error.
    ///
    /// # Errors
    /// [`SignalError::Invalid`] naming the first offending field.
    pub fn validate(&self, index: usize, now: DateTime<Utc>) -> Result<(), SignalError> {
        let invalid = |field: &str, reason: &str| SignalError::Invalid {
            field: format!("events[{index}].{field}"),
            reason: reason.to_owned(),
        };
        check_id(self.id.as_deref(), false).map_err(|r| invalid("id", r))?;
        check_id(Some(&self.anonymous_id), true).map_err(|r| invalid("anonymous_id", r))?;
        check_id(Some(&self.session_id), true).map_err(|r| invalid("session_id", r))?;
        check_id(self.rec_id.as_deref(), false).map_err(|r| invalid("rec_id", r))?;
        if self.occurred_at < now - Duration::days(MAX_AGE_DAYS) {
            return Err(invalid("occurred_at", "is more than 7 days old"));
        }
        if self.occurred_at > now + Duration::minutes(MAX_SKEW_MINUTES) {
            return Err(invalid("occurred_at", "is in the future"));
        }
        if self
            .query
            .as_ref()
            .is_some_and(|q| q.chars().count() > MAX_QUERY_LEN)
        {
            return Err(invalid("query", "is longer than 256 characters"));
        }
        if self
            .referrer
            .as_ref()
            .is_some_and(|r| r.is_empty() || r.len() > 64)
        {
            return Err(invalid("referrer", "must be 1 to 64 characters"));
        }
        if let Some(surface) = &self.surface
            && crate::surface::from_name(surface).is_none()
        {
            return Err(invalid("surface", "is not a known surface"));
        }
        if self.position.is_some_and(|p| !(0..=100).contains(&p)) {
            return Err(invalid("position", "must be between 0 and 100"));
        }
        if self.propensity.is_some_and(|p| !(p > 0.0 && p <= 1.0)) {
            return Err(invalid("propensity", "must be in (0, 1]"));
        }
        self.check_required(&invalid)
    }

    /// Each kind needs the fields that make it useful.
    fn check_required(
        &self,
        invalid: &dyn Fn(&str, &str) -> SignalError,
    ) -> Result<(), SignalError> {
        let needs_product = matches!(
            self.kind,
            EventKind::View | EventKind::AddToCart | EventKind::Purchase | EventKind::Click
        );
        if needs_product && self.product_id.is_none() {
            return Err(invalid("product_id", "is required for this kind"));
        }
        if self.kind == EventKind::Search && self.query.as_deref().is_none_or(str::is_empty) {
            return Err(invalid("query", "is required for search events"));
        }
        if self.kind == EventKind::Click && (self.rec_id.is_none() || self.surface.is_none()) {
            return Err(invalid("rec_id", "and surface are required for clicks"));
        }
        Ok(())
    }
}

/// Whether `id` is acceptable as an event, session, anonymous or rec id.
#[must_use]
pub fn is_valid_id(id: &str) -> bool {
    check_id(Some(id), true).is_ok()
}

pub(super) fn check_id(value: Option<&str>, required: bool) -> Result<(), &'static str> {
    match value {
        None if required => Err("is required"),
        None => Ok(()),
        Some(id) if id.is_empty() || id.len() > MAX_ID_LEN => Err("must be 1 to 128 characters"),
        Some(id) if id.chars().any(char::is_control) => Err("must not contain control characters"),
        Some(_) => Ok(()),
    }
}
