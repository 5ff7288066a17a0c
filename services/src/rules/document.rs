//! A merchant rule as the admin writes it, and its checks that need no database.

use chrono::{DateTime, Utc};
use ranker::{Action, MAX_SHIFT, Surface};
use serde::{Deserialize, Serialize};

use crate::settings::{FieldError, SURFACES};
use crate::surface;

/// Which products a rule matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// One product.
    Product {
        /// Shopify product id.
        product_id: i64,
    },
    /// The products of a collection.
    Collection {
        /// Shopify collection id.
        collection_id: i64,
    },
    /// Products carrying a tag (case-insensitive).
    Tag {
        /// The tag.
        tag: String,
    },
    /// Products of a vendor (case-insensitive).
    Vendor {
        /// The vendor.
        vendor: String,
    },
    /// Products in a category or below it.
    Category {
        /// Category id (`aa-1-1`).
        category_id: String,
    },
    /// Products whose lowest variant price is in the band (minor units, inclusive).
    PriceBand {
        /// Lowest price, if any.
        #[serde(default)]
        min_minor: Option<i64>,
        /// Highest price, if any.
        #[serde(default)]
        max_minor: Option<i64>,
    },
}

/// One rule: what it does, to which products, where and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    /// Pin (`{"kind": "pin", "slot": 2}`), exclude, boost or bury (`"amount"`).
    pub action: Action,
    /// The products it matches.
    #[serde(rename = "match")]
    pub target: Target,
    /// Surface name (`pdp`, `home`, …); `None` for every surface.
    #[serde(default)]
    pub surface: Option<String>,
    /// When it starts applying (`None`: at once).
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// When it stops applying (`None`: never).
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
}

/// The surfaces a rule may name: the tuned ones, and category and collection pages, which
/// have no settings of their own (their order is the ranker's), so rules are how a
/// merchant steers them.
pub const RULE_SURFACES: [Surface; 6] = [
    SURFACES[0],
    SURFACES[1],
    SURFACES[2],
    SURFACES[3],
    SURFACES[4],
    Surface::Category,
];

impl RuleDoc {
    /// The surface it is limited to, if it names one of [`RULE_SURFACES`].
    #[must_use]
    pub fn surface(&self) -> Option<Surface> {
        self.surface
            .as_deref()
            .and_then(surface::parse)
            .filter(|s| RULE_SURFACES.contains(s))
    }

    /// The surfaces it applies to.
    pub(crate) fn surfaces(&self) -> Vec<Surface> {
        self.surface()
            .map_or_else(|| RULE_SURFACES.to_vec(), |s| vec![s])
    }

    /// Whether it applies on `surface` (it names it, or names none).
    #[must_use]
    pub fn covers(&self, surface: Surface) -> bool {
        self.surfaces().contains(&surface)
    }
}

pub(crate) fn field(name: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: name.to_owned(),
        message: message.into(),
    }
}

/// The checks of `doc` that need no database; `shortest` is the shortest list length of
/// the surfaces it applies to (a pin's slot must exist on every one).
pub(crate) fn check(doc: &RuleDoc, shortest: usize) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if doc.surface.is_some() && doc.surface().is_none() {
        errors.push(field(
            "surface",
            "must be home, pdp, cart, email or search (or empty for all)",
        ));
    }
    if let (Some(start), Some(end)) = (doc.starts_at, doc.ends_at)
        && end <= start
    {
        errors.push(field("ends_at", "must be after the start"));
    }
    match doc.action {
        Action::Pin { slot } => {
            if !matches!(doc.target, Target::Product { .. }) {
                errors.push(field("match.kind", "a pin names one product"));
            }
            if slot < 2 {
                errors.push(field(
                    "action.slot",
                    "slot 1 always shows the most relevant item: pin to slot 2 or later",
                ));
            } else if slot > shortest {
                errors.push(field(
                    "action.slot",
                    format!("the list is {shortest} items long: pick a slot from 2 to {shortest}"),
                ));
            }
        }
        Action::Boost { amount } | Action::Bury { amount } => {
            if !(amount.is_finite() && amount > 0.0 && amount <= MAX_SHIFT) {
                errors.push(field(
                    "action.amount",
                    format!("must be above 0 and at most {MAX_SHIFT} (a share of the score)"),
                ));
            }
        }
        Action::Exclude => {}
    }
    errors.extend(check_target(&doc.target));
    errors
}

fn check_target(target: &Target) -> Option<FieldError> {
    match target {
        Target::Tag { tag: text } | Target::Vendor { vendor: text } if text.trim().is_empty() => {
            Some(field("match", "must not be empty"))
        }
        Target::Category { category_id } if category_id.trim().is_empty() => {
            Some(field("match.category_id", "must not be empty"))
        }
        Target::PriceBand {
            min_minor,
            max_minor,
        } => match (min_minor, max_minor) {
            (None, None) => Some(field("match", "give a lowest or a highest price")),
            (Some(min), _) if *min < 0 => Some(field("match.min_minor", "must be 0 or more")),
            (Some(min), Some(max)) if max < min => Some(field(
                "match.max_minor",
                "must be at least the lowest price",
            )),
            _ => None,
        },
        _ => None,
    }
}
