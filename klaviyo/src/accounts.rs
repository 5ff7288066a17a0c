//! `GET /api/accounts`: which account a credential belongs to, and whether it works at all.

use serde::Deserialize;

use crate::client::{ApiRequest, Client};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::jsonapi::Collection;

/// The account a credential opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Klaviyo's account id (also the public API key / site id).
    pub id: String,
    /// `contact_information.organization_name`, when set.
    pub name: Option<String>,
    /// IANA time zone of the account.
    pub timezone: Option<String>,
    /// ISO 4217 currency the account reports in.
    pub preferred_currency: Option<String>,
    /// Whether this is a test account.
    pub test_account: bool,
}

#[derive(Deserialize)]
struct AccountAttributes {
    #[serde(default)]
    test_account: bool,
    #[serde(default)]
    contact_information: Option<ContactInformation>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    preferred_currency: Option<String>,
}

#[derive(Deserialize)]
struct ContactInformation {
    #[serde(default)]
    organization_name: Option<String>,
}

impl Client {
    /// Checks the credential: the account it belongs to.
    ///
    /// Tells the three failures apart: [`Error::Unauthorized`] (bad or revoked key, 401),
    /// [`Error::Forbidden`] (valid key without `accounts:read`, 403) and
    /// [`Error::Unavailable`] (Klaviyo down). Limited to 1/s and 15/min by Klaviyo.
    ///
    /// # Errors
    /// As above, or [`Error::Decode`] when the answer holds no account.
    pub async fn account(&self) -> Result<Account, Error> {
        let request = ApiRequest::get(Endpoint::GetAccounts, "/api/accounts".into());
        let page: Collection<AccountAttributes> = self.fetch(request).await?;
        let account = page.data.into_iter().next().ok_or_else(|| Error::Decode {
            endpoint: Endpoint::GetAccounts,
            source: serde::de::Error::custom("no account in the answer"),
        })?;
        Ok(Account {
            id: account.id,
            name: account
                .attributes
                .contact_information
                .and_then(|info| info.organization_name),
            timezone: account.attributes.timezone,
            preferred_currency: account.attributes.preferred_currency,
            test_account: account.attributes.test_account,
        })
    }
}
