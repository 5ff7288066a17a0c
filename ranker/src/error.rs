//! The crate's error type.

use crate::catalog::{CategoryId, ItemId};

/// Everything that can go wrong when building inputs for, or calling, the ranker.
///
/// Bad *data* (NaN features, duplicates, unknown ids, wrong dimensions) is rejected where it enters
/// the crate — at [`CatalogBuilder::add_item`](crate::CatalogBuilder::add_item),
/// [`CandidatePool`](crate::CandidatePool) construction and model fitting — so that the hot
/// scoring and re-ranking paths can assume clean inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RankerError {
    /// Blend weights were negative, non-finite, or all zero.
    #[error("invalid weights: {0}")]
    InvalidWeights(&'static str),
    /// A numeric input was NaN or infinite.
    #[error("non-finite value for {field}")]
    NonFinite {
        /// The offending field, e.g. `"price"`.
        field: &'static str,
    },
    /// Two items (or two pool entries) share one id.
    #[error("duplicate item id {0}")]
    DuplicateItem(i64),
    /// An item id does not exist in the catalog.
    #[error("unknown item {0:?}")]
    UnknownItem(ItemId),
    /// A category id was never issued by the catalog's category tree.
    #[error("unknown category {0:?}")]
    UnknownCategory(CategoryId),
    /// An embedding had a different length from the catalog's dimension.
    #[error("embedding dimension mismatch: expected {expected}, found {found}")]
    DimensionMismatch {
        /// The catalog's embedding dimension.
        expected: usize,
        /// The length that was supplied.
        found: usize,
    },
    /// A tuning parameter was outside its documented range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name, e.g. `"lambda"`.
        name: &'static str,
        /// What the valid range is.
        reason: &'static str,
    },
}

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, RankerError>;

/// Rejects NaN and infinities with a typed error naming the field.
pub(crate) fn finite(value: f32, field: &'static str) -> Result<f32> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(RankerError::NonFinite { field })
    }
}
