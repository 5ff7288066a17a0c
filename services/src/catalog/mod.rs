//! The shop's catalog as the ranker sees it: synced rows plus derived features (margin,
//! inventory health from sales velocity, age) and category adjacency (taxonomy and
//! co-purchases), mapped into a [`ranker::Catalog`].

pub mod adjacency;
pub mod collections;
pub mod features;
pub mod revision;
pub mod view;

pub use features::{InventoryHealth, margin};
pub use view::{CatalogView, ItemFacts};
