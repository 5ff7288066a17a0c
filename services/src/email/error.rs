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
    /// Klaviyo refused the OAuth refresh token (expired, revoked, or already spent): the
    /// merchant must connect again.
    #[error("Klaviyo refused to refresh the connection; connect Klaviyo again")]
    NeedsReconnect(#[source] Option<klaviyo::OAuthError>),
    /// An OAuth step failed: Klaviyo refused a code, or its token endpoint is unreachable
    /// ([`EmailError::is_transient`] tells which).
    #[error("Klaviyo's OAuth endpoint failed")]
    OAuth(#[source] klaviyo::OAuthError),
    /// The app has no Klaviyo OAuth registration (`klaviyo.oauth`).
    #[error("Klaviyo OAuth is not configured for this app")]
    OAuthNotConfigured,
    /// The callback's `state` is not one this app issued (or not for this shop).
    #[error("the Klaviyo connect is unknown; start it again from the admin")]
    StateUnknown,
    /// The callback's `state` was already used.
    #[error("this Klaviyo connect was already completed; start it again from the admin")]
    StateUsed,
    /// The callback's `state` lapsed.
    #[error("the Klaviyo connect took too long; start it again from the admin")]
    StateExpired,
    /// Another process held the refresh lease for too long.
    #[error("another process is refreshing the Klaviyo token")]
    RefreshBusy,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl EmailError {
    /// Retrying later may help: Klaviyo down or throttling, or the database busy.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unavailable(_) | Self::Db(_) | Self::RefreshBusy => true,
            Self::OAuth(err) => matches!(err, klaviyo::OAuthError::Transport(_)),
            _ => false,
        }
    }

    /// The credential itself is refused: the account needs the merchant's attention.
    #[must_use]
    pub fn is_credential(&self) -> bool {
        matches!(
            self,
            Self::InvalidCredential(_) | Self::MissingScope { .. } | Self::NeedsReconnect(_)
        )
    }

    /// The account status a failure leaves: `needs_reconnect` when the OAuth grant is
    /// gone, `revoked` when the key or token is refused, else `error`.
    #[must_use]
    pub fn account_status(&self) -> &'static str {
        match self {
            Self::NeedsReconnect(_) => "needs_reconnect",
            err if err.is_credential() => "revoked",
            _ => "error",
        }
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
