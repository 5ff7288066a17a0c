//! Surface policies as data: what each surface shows, how wide, and where it may explore.
//!
//! A policy file is JSON ([`PolicySpec`], `deny_unknown_fields`, versioned). [`PolicySpec::validate`]
//! turns it into a typed [`SurfacePolicy`]; [`PolicySet::default`] holds the documented defaults
//! for every [`Surface`] plus a cold-start fallback.

mod defaults;
mod error;
mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use defaults::{PolicySet, default_specs};
pub use error::PolicyError;
pub use validate::{ExplorationPolicy, ModulePolicy, SurfacePolicy};

use crate::context::{Surface, TrafficSource};
use crate::rerank::Policy;
use crate::scoring::Weights;

/// The policy schema version this crate reads.
pub const POLICY_VERSION: u32 = 1;

/// Which candidates a module draws from, relative to the anchor category (the seed's, else the
/// session intent's, else the best candidate's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Same leaf category: tight substitutes; sibling categories stand in when it is short.
    Tight,
    /// The anchor's category and its adjacent ones, with no fallback beyond them.
    Wide,
    /// Other categories only, at most one item per category ("complete the look").
    CrossCategory,
    /// Complements: items of the categories the category graph pairs with a seed's (every
    /// cart line's on the cart), of a seed's own category only when the graph pairs it with
    /// itself (replenishable goods); no out-of-scope fallback
    /// (a shorter list beats a wrong one). Complete the look, cart, checkout, post-purchase.
    Complements,
    /// Search: for a branded query (the context's query names a catalog brand, see
    /// [`Catalog::brand_in_query`](crate::Catalog::brand_in_query)) only that brand's items;
    /// for a generic query any item, diversified by the module's re-ranker. Without a query the
    /// session's dominant brand, if any, stands in for it.
    Query,
    /// No restriction.
    Any,
}

/// How a module's slots split between relevance and discovery; must add up to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mix {
    /// Share of slots filled by the module's own scope and re-ranker.
    pub relevance: f32,
    /// Share of slots filled from outside the anchor category by DPP (serendipity slots).
    pub discovery: f32,
}

impl Default for Mix {
    fn default() -> Self {
        Self {
            relevance: 1.0,
            discovery: 0.0,
        }
    }
}

/// One module (block) of a surface, as written in a policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSpec {
    /// Display name, unique within the surface, e.g. `"similar_items"`.
    pub name: String,
    /// Number of slots, 1..=50.
    pub slots: usize,
    /// Candidate scope.
    pub scope: Scope,
    /// Re-ranking policy for the relevance slots.
    pub reranker: Policy,
    /// Relevance/discovery split (default all relevance).
    #[serde(default)]
    pub mix: Mix,
    /// Blend weights (default [`Weights::default`]).
    #[serde(default)]
    pub weights: Option<Weights>,
    /// Only in-stock items (default true).
    #[serde(default = "yes")]
    pub in_stock_only: bool,
    /// 0-based slots that show the newest eligible item (new-arrival injection).
    #[serde(default)]
    pub new_arrival_slots: Vec<usize>,
    /// Whether the ranker's brand cap holds in this module (default true). Tight search
    /// turns it off: a shopper who names a category wants its best matches, whatever brand
    /// makes them.
    #[serde(default = "yes")]
    pub brand_cap: bool,
}

fn yes() -> bool {
    true
}

/// One exploration slot: with probability `epsilon` the slot shows a random eligible item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    /// The module's name.
    pub module: String,
    /// 0-based slot within the module.
    pub slot: usize,
    /// Exploration probability in `(0, 1]` before the caps.
    pub epsilon: f32,
}

/// How an exploration slot picks the item it explores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArmSelection {
    /// Uniformly from every eligible item (the default).
    #[default]
    Uniform,
    /// First a candidate source chosen by the caller's
    /// [`ExploreBandit`](crate::bandit::ExploreBandit) from the request features, then
    /// uniformly from that source's eligible items; uniform when no bandit is passed.
    Bandit,
}

/// Where and how much a surface explores, as written in a policy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplorationSpec {
    /// The kill switch: `false` turns every exploration slot off.
    pub enabled: bool,
    /// The exploration slots.
    #[serde(default)]
    pub slots: Vec<SlotSpec>,
    /// Cap on the expected share of shown items that are explored, in `[0.05, 0.15]`.
    pub max_share: f32,
    /// Tighter caps per traffic source, each in `[0.05, 0.15]`.
    #[serde(default)]
    pub max_share_by_source: BTreeMap<TrafficSource, f32>,
    /// Explored items need at least this margin.
    pub min_margin: f32,
    /// Explored items need at least this inventory health.
    pub min_inventory: f32,
    /// How an exploration slot picks its item (default uniform).
    #[serde(default)]
    pub arms: ArmSelection,
}

impl Default for ExplorationSpec {
    /// Exploration off (cap 5 %, margin ≥ 0.3, inventory ≥ 0.5 once turned on).
    fn default() -> Self {
        Self {
            enabled: false,
            slots: Vec::new(),
            max_share: 0.05,
            max_share_by_source: BTreeMap::new(),
            min_margin: 0.3,
            min_inventory: 0.5,
            arms: ArmSelection::Uniform,
        }
    }
}

/// A surface policy as written in a policy file (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Schema version; must be [`POLICY_VERSION`].
    pub version: u32,
    /// The surface it applies to; `None` for the cold-start fallback.
    pub surface: Option<Surface>,
    /// The modules, in page order (an item appears in at most one).
    pub modules: Vec<ModuleSpec>,
    /// Exploration (default off).
    #[serde(default)]
    pub exploration: ExplorationSpec,
}

impl PolicySpec {
    /// Parses and validates a JSON policy.
    ///
    /// # Errors
    /// [`PolicyError`] naming the offending field.
    pub fn from_json(json: &str) -> Result<SurfacePolicy, PolicyError> {
        let spec: Self = serde_json::from_str(json).map_err(|e| PolicyError::from_json(&e))?;
        spec.validate()
    }
}
