//! Catalog sync: Shopify bulk-operation results (and the demo shop, rendered in the same
//! format) streamed into the catalog tables.

pub mod bulk;
pub mod full;
mod insert;
pub mod observed;
mod operation;
mod plan;
pub mod queries;
mod reconcile;
pub mod records;
mod rest;
mod rows;
pub mod shopper;
pub mod webhooks;
mod write;

pub use bulk::{BulkTarget, IngestReport, ingest, ingest_observed};

use crate::BoxError;
pub(crate) use bulk::run_key;
pub use observed::Observed;
pub use operation::{PhaseOutcome, record_failure};

/// Why a sync step failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Reading the JSONL failed.
    #[error("cannot read the bulk result: {0}")]
    Read(#[from] std::io::Error),
    /// A database statement failed; the current batch was rolled back.
    #[error("catalog write failed: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// A webhook payload does not have the fields its topic needs; retrying cannot help.
    #[error("malformed webhook payload: {0}")]
    Payload(#[source] BoxError),
    /// A line of a payload could not be mapped.
    #[error(transparent)]
    Line(#[from] records::LineError),
    /// The sync run to record progress in does not exist.
    #[error("sync run {0} does not exist")]
    MissingRun(i64),
}
