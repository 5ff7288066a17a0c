//! The ranker's output: a ranked list with score components, reasons and relaxed rules.

use serde::{Deserialize, Serialize};

use crate::candidates::{Source, SourceSet};
use crate::catalog::ItemId;
use crate::intent::Intent;
use crate::rerank::rules::Relaxation;
use crate::scoring::ScoreComponents;

/// A short, merchant-facing reason for showing an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Similar to what the shopper is looking at.
    Similar,
    /// Often bought together.
    BoughtTogether,
    /// Recently added.
    NewArrival,
    /// Popular right now.
    Trending,
    /// Shown to learn (exploration).
    Explore,
}

impl Reason {
    /// The reason's display text.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Similar => "similar",
            Self::BoughtTogether => "bought together",
            Self::NewArrival => "new arrival",
            Self::Trending => "trending",
            Self::Explore => "explore",
        }
    }
}

impl From<Source> for Reason {
    fn from(source: Source) -> Self {
        match source {
            Source::CoOccurrence | Source::Content => Self::Similar,
            Source::Complement => Self::BoughtTogether,
            Source::Popularity => Self::Trending,
            Source::NewArrival => Self::NewArrival,
            Source::Explore => Self::Explore,
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
