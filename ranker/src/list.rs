//! The ranker's output: a ranked list with score components, reasons and relaxed rules.

use serde::{Deserialize, Serialize};

use crate::candidates::{Source, SourceSet};
use crate::catalog::{CategoryId, ItemId};
use crate::intent::Intent;
use crate::rerank::rules::Relaxation;
use crate::scoring::ScoreComponents;

/// Why an item is shown, from its provenance: what the shopper can be told truthfully.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// In the same or a sibling category as the product it is shown for.
    Similar,
    /// Viewed in the same sessions as the product on the page.
    AlsoViewed,
    /// Viewed in the same sessions as this product, which the shopper viewed earlier.
    BecauseViewed(ItemId),
    /// Bought in the same orders as this product.
    BoughtTogether(ItemId),
    /// In a category that goes with this product's (the category graph).
    GoesWith(ItemId),
    /// Among the most popular of its category.
    PopularIn(CategoryId),
    /// Recently added to its category.
    NewIn(CategoryId),
}

impl Reason {
    /// The reason's stable code (logs, the API, the theme blocks' `data-reason`).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Similar => "similar",
            Self::AlsoViewed => "also_viewed",
            Self::BecauseViewed(_) => "because_viewed",
            Self::BoughtTogether(_) => "bought_together",
            Self::GoesWith(_) => "goes_with",
            Self::PopularIn(_) => "popular_in",
            Self::NewIn(_) => "new_in",
        }
    }

    /// The product the reason names, if any.
    #[must_use]
    pub fn product(self) -> Option<ItemId> {
        match self {
            Self::BecauseViewed(p) | Self::BoughtTogether(p) | Self::GoesWith(p) => Some(p),
            _ => None,
        }
    }

    /// The category the reason names, if any.
    #[must_use]
    pub fn category(self) -> Option<CategoryId> {
        match self {
            Self::PopularIn(c) | Self::NewIn(c) => Some(c),
            _ => None,
        }
    }

    /// The reason a generator's candidate carries on its own, before the page it is shown
    /// on is known: neighbours of a seed name the seed, shop-wide sources the category.
    /// A seed-less neighbour (hand-built pools) reads as popular in its category.
    #[must_use]
    pub fn of(primary: Source, via: Option<ItemId>, category: CategoryId) -> Self {
        match (primary, via) {
            (Source::Complement, Some(seed)) => Self::BoughtTogether(seed),
            (Source::Pairing, Some(seed)) => Self::GoesWith(seed),
            (Source::CoOccurrence | Source::Content, Some(_)) => Self::AlsoViewed,
            (Source::NewArrival, _) => Self::NewIn(category),
            _ => Self::PopularIn(category),
        }
    }
}

/// One item of a ranked list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankedItem {
    /// The item.
    pub item: ItemId,
    /// The caller's id for it.
    pub external_id: i64,
    /// Blended score in `[0, 1]`.
    pub score: f32,
    /// The features behind the score.
    pub components: ScoreComponents,
    /// Why it is shown.
    pub reason: Reason,
    /// Every generator that proposed it.
    pub sources: SourceSet,
}

/// A ranked list, best first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RankedList {
    /// The items in slot order.
    pub items: Vec<RankedItem>,
    /// Rules relaxed to fill the list, in the order it happened (constrained policy only).
    pub relaxed: Vec<Relaxation>,
    /// The session intent the list was ranked for.
    pub intent: Intent,
}

impl RankedList {
    /// The item ids in slot order.
    #[must_use]
    pub fn ids(&self) -> Vec<ItemId> {
        self.items.iter().map(|i| i.item).collect()
    }
}
