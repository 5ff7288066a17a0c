//! Product search: a per-shop tantivy index over the active catalog (titles, product types,
//! brands and vendors, tags, category names with their ancestors, variant options, collection
//! titles), query understanding (price, brand, category; branded, high-intent or generic),
//! and the ranking of the text hits by the ranker under the search surface's policies.
//!
//! The index lives in RAM next to the serving model and is rebuilt with it, from the same
//! catalog view, whenever the shop's catalog revision moves (sync, webhooks), so a search
//! never shows a product the recommendations would not.

mod index;
mod load;
mod price;
mod query;
mod rank;
mod text;

pub use index::{Hit, ProductText, SearchIndex};
pub use load::load;
pub use price::PriceRange;
pub use query::{MAX_QUERY_CHARS, ParsedQuery, QueryClass, Vocabulary};
pub use rank::{MAX_CANDIDATES, MODULE, PAGE_SIZE, Page, PageRequest, SearchPolicies};
pub use text::analyzer;

/// Why a search could not be served.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Reading the catalog failed.
    #[error("reading the catalog for the search index failed")]
    Database(#[from] sea_orm::DbErr),
    /// tantivy failed (in RAM: a bug or memory exhaustion).
    #[error("the search index failed")]
    Index(#[from] tantivy::TantivyError),
    /// The indexing task on the blocking pool panicked or was cancelled.
    #[error("building the search index was interrupted")]
    Build(#[from] tokio::task::JoinError),
    /// A search policy did not validate.
    #[error("a search policy is invalid")]
    Policy(#[from] ranker::PolicyError),
    /// The ranker refused the hits.
    #[error("ranking the search hits failed")]
    Ranker(#[from] ranker::RankerError),
}
