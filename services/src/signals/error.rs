//! Why a batch of signals was refused.

use sea_orm::DbErr;

/// Why a batch was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    /// A field is missing or out of range; nothing of the batch was stored.
    #[error("{field} {reason}")]
    Invalid {
        /// Path of the field (`events[3].propensity`).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Storing failed; nothing of the batch was stored.
    #[error("cannot store events: {0}")]
    Database(#[from] DbErr),
}
