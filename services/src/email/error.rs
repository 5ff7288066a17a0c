//! What can go wrong connecting Klaviyo or pushing to it.

use sea_orm::DbErr;

/// Why a Klaviyo connection or push failed.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// Klaviyo refused the key or token (invalid, deleted or revoked): the merchant must
    /// connect again.
    #[error("Klaviyo refused the credential (invalid or revoked)")]
    InvalidCredential(#[source] klaviyo::Error),
    /// The key works but lacks a scope Meander needs.
    #[error("the Klaviyo key lacks a scope Meander needs: {scopes}")]
    MissingScope {
        /// The scopes the refused call needs.
        scopes: String,
        /// Klaviyo's refusal.
        #[source]
        source: klaviyo::Error,
    },
    /// Klaviyo is down, unreachable or kept throttling: worth retrying later.
    #[error("Klaviyo is unavailable")]
    Unavailable(#[source] klaviyo::Error),
    /// Klaviyo refused a request for another reason.
    #[error("Klaviyo refused a request")]
    Klaviyo(#[source] klaviyo::Error),
    /// The shop has no Klaviyo account connected.
    #[error("the shop has no Klaviyo account connected")]
    NotConnected,
    /// The shop does not exist.
    #[error("shop {0} not found")]
    NoShop(i64),
    /// The stored credential cannot be decrypted (wrong key or a corrupt row).
    #[error("the stored Klaviyo credential cannot be decrypted")]
    Decrypt,
    /// The credential could not be encrypted.
    #[error("the Klaviyo credential cannot be encrypted")]
    Encrypt,
    /// A profile's properties are over Klaviyo's per-profile size.
    #[error("a profile does not fit in an import job")]
    Split(#[from] klaviyo::SplitError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl EmailError {
    /// Retrying later may help: Klaviyo down or throttling, or the database busy.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Db(_))
    }

    /// The credential itself is refused: the account needs the merchant's attention.
    #[must_use]
    pub fn is_credential(&self) -> bool {
        matches!(self, Self::InvalidCredential(_) | Self::MissingScope { .. })
    }
}

impl From<klaviyo::Error> for EmailError {
    fn from(err: klaviyo::Error) -> Self {
        match err {
            klaviyo::Error::Unauthorized { .. } => Self::InvalidCredential(err),
            klaviyo::Error::Forbidden { endpoint, .. } => Self::MissingScope {
                scopes: endpoint.scopes().join(" "),
                source: err,
            },
            err if err.is_transient() => Self::Unavailable(err),
            err => Self::Klaviyo(err),
        }
    }
}
