//! Meander's domain: what the HTTP app and the job runtime both call. Storefront signals,
//! catalog sync and derived features, recommendations (training, candidate pools, profiles,
//! precompute, stored lists), product search, shop credentials, compliance, metric rollups, job-run records
//! and the demo shop loader. Nothing here knows the queue: a service returns what happened and
//! the runtime decides what to schedule next.

pub mod audit;
pub mod catalog;
pub mod category;
pub mod compliance;
pub mod demo;
pub mod email;
pub mod experiments;
pub mod onboarding;
pub mod pages;
pub mod receipts;
pub mod recs;
pub mod review;
pub mod rollups;
pub mod rules;
pub mod runs;
pub mod search;
pub mod settings;
pub mod shop_auth;
pub mod shop_tokens;
pub mod shoppers;
pub mod signals;
pub mod surface;
pub mod sync;
pub mod token_rotation;
pub mod topic;

/// A boxed error that keeps its cause chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
