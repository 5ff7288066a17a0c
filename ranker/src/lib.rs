//! Meander's recommendation core: candidate generation, blended scoring and diversified
//! re-ranking. No I/O, no async, no database: plain data in, ranked lists out.
//!
//! The flow:
//! 1. Map the shop's products into a [`Catalog`] ([`CatalogBuilder`]; items become dense
//!    [`ItemId`]s).
//! 2. Generate candidates ([`candidates`]: co-occurrence, complements, content, popularity, new
//!    arrivals) and merge them into a [`CandidatePool`] that keeps provenance.
//! 3. Build a [`Ranker`] per shop and surface, then call [`Ranker::rank`] with a [`Context`]:
//!    it detects the session [`Intent`], blends five features with validated [`Weights`], and
//!    re-ranks with the [`Policy`] (MMR, DPP, or constrained selection under hard [`Rule`]s,
//!    reporting any [`Relaxation`]).
//! 4. Or call [`Ranker::serve`] with a surface [`SurfacePolicy`] from the [`PolicySet`]: several
//!    modules, discovery and new-arrival slots, exploration with exact propensities.
//!    [`Ranker::rank_with`] / [`Ranker::serve_with`] also take caller-owned [`Signals`]: an
//!    [`ExposureLedger`] (exposure-aware re-ranking against catalog-wide concentration) and an
//!    [`ExploreBandit`](bandit::ExploreBandit) (contextual choice of the exploration arm).
//!
//! 5. Merchant rules ([`MerchantRules`]: pin, exclude, boost, bury) travel in [`Signals`] and
//!    apply before the hard rules; [`ServedList::pins`] says where each pin went and why.
//!
//! Everything is deterministic: ties break by position/id, never by hash order or time.

pub mod bandit;
pub mod candidates;
mod catalog;
mod check;
mod context;
mod error;
mod exposure;
mod intent;
mod list;
mod merchant;
pub mod metrics;
pub mod ope;
pub mod policy;
mod ranker;
pub mod rerank;
mod scoring;
mod select;
mod serve;
mod signals;
pub mod stats;
mod tiles;

#[cfg(test)]
mod testkit;

pub use candidates::{Candidate, CandidatePool, Source, SourceSet};
pub use catalog::{
    AttributeId, BrandId, Catalog, CatalogBuilder, CategoryId, CategoryTree, FamilyId, Item,
    ItemId, ItemSpec, VendorId, dot,
};
pub use context::{
    Context, Device, EventKind, SessionEvent, ShopperFeatures, Surface, TrafficSource, Visit,
};
pub use error::{RankerError, Result};
pub use exposure::{ExposureConfig, ExposureLedger};
pub use intent::{Intent, IntentConfig};
pub use list::{RankedItem, RankedList, Reason};
pub use merchant::{Action, Blocked, MAX_SHIFT, MerchantRule, MerchantRules, PinOutcome};
pub use policy::{PolicyError, PolicySet, PolicySpec, SurfacePolicy};
pub use ranker::{Ranker, RankerBuilder, RankerSettings};
pub use rerank::Policy;
pub use rerank::rules::{Relaxation, Rule, RuleSet};
pub use rerank::similarity::SimilarityConfig;
pub use scoring::{
    FeatureTable, NOVELTY_HALF_LIFE_DAYS, ScoreComponents, Scored, Weights, top_k_indices,
};
pub use serve::{ServedItem, ServedList, ServedModule, Step};
pub use signals::Signals;
