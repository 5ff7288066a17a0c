//! Why a change to a rule did not land.

use sea_orm::DbErr;

use crate::settings::FieldError;

/// Why a change did not land; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// Fields failed validation.
    #[error("the rule is not valid")]
    Invalid(Vec<FieldError>),
    /// No such rule (or it was deleted).
    #[error("there is no rule {0}")]
    NotFound(i64),
    /// The change edited an older version than the current one.
    #[error("rule {id} was changed meanwhile (now version {current}, edited {edited})")]
    Stale {
        /// The rule.
        id: i64,
        /// Its current version.
        current: i64,
        /// The version the change edited.
        edited: i64,
    },
    /// Another create took the same id at the same moment.
    #[error("another rule was created at the same moment")]
    Raced,
    /// The database failed.
    #[error("storing the rule failed")]
    Database(#[from] DbErr),
}
