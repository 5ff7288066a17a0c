//! `GET /api/profiles`: find the profiles Klaviyo already has (Meander never creates
//! marketing profiles of its own), page by page, with only `email` and `external_id`.

use serde::Deserialize;

use crate::client::{ApiRequest, Client};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::jsonapi::{Collection, Page};

/// Largest `page[size]` Klaviyo allows on this endpoint (default 20).
pub const MAX_PAGE_SIZE: u8 = 100;

/// A profile as listed: its id and the identifiers Meander matches on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    /// Klaviyo's profile id.
    pub id: String,
    /// Email address, when the profile has one.
    pub email: Option<String>,
    /// The external system's id (Meander uses the Shopify customer id).
    pub external_id: Option<String>,
}

/// Which profiles to list. The spec allows `equals` and `any` on `email` and `external_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileFilter {
    /// `equals(email,"…")`.
    Email(String),
    /// `any(email,["…",…])`.
    AnyEmail(Vec<String>),
    /// `equals(external_id,"…")`.
    ExternalId(String),
    /// `any(external_id,["…",…])`.
    AnyExternalId(Vec<String>),
}

impl ProfileFilter {
    /// The `filter` query value, in Klaviyo's filter syntax.
    #[must_use]
    pub fn to_query(&self) -> String {
        match self {
            Self::Email(email) => format!("equals(email,{})", quote(email)),
            Self::AnyEmail(emails) => format!("any(email,{})", list(emails)),
            Self::ExternalId(id) => format!("equals(external_id,{})", quote(id)),
            Self::AnyExternalId(ids) => format!("any(external_id,{})", list(ids)),
        }
    }
}

/// A double-quoted filter string. Klaviyo documents no escape sequence, so a value with a
/// double quote is quoted with single quotes instead (both are accepted).
fn quote(value: &str) -> String {
    if value.contains('"') {
        format!("'{value}'")
    } else {
        format!("\"{value}\"")
    }
}

fn list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
    format!("[{}]", quoted.join(","))
}

/// One listing call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileQuery {
    /// Only profiles matching this.
    pub filter: Option<ProfileFilter>,
    /// Profiles per page, 1 to [`MAX_PAGE_SIZE`] (Klaviyo's default 20 when `None`).
    pub page_size: Option<u8>,
}

#[derive(Deserialize)]
struct ProfileAttributes {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
}

impl Client {
    /// One page of profiles; pass the returned `next_cursor` back for the next page.
    ///
    /// # Errors
    /// See [`Error`]; a page size out of range is [`Error::Setup`].
    pub async fn profiles_page(
        &self,
        query: &ProfileQuery,
        cursor: Option<&str>,
    ) -> Result<Page<ProfileSummary>, Error> {
        let mut request = ApiRequest::get(Endpoint::GetProfiles, "/api/profiles".into());
        // Sparse fieldset: only what Meander matches on (smaller pages, less personal data).
        request
            .query
            .push(("fields[profile]".into(), "email,external_id".into()));
        if let Some(size) = query.page_size {
            if size == 0 || size > MAX_PAGE_SIZE {
                return Err(Error::Setup(format!("page size {size} is not in 1..=100")));
            }
            request.query.push(("page[size]".into(), size.to_string()));
        }
        if let Some(filter) = &query.filter {
            request.query.push(("filter".into(), filter.to_query()));
        }
        if let Some(cursor) = cursor {
            request
                .query
                .push(("page[cursor]".into(), cursor.to_owned()));
        }
        let page: Collection<ProfileAttributes> = self.fetch(request).await?;
        Ok(page.into_page(|resource| ProfileSummary {
            id: resource.id,
            email: resource.attributes.email,
            external_id: resource.attributes.external_id,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_use_klaviyo_syntax() {
        assert_eq!(
            ProfileFilter::Email("a@b.co".into()).to_query(),
            r#"equals(email,"a@b.co")"#
        );
        assert_eq!(
            ProfileFilter::AnyExternalId(vec!["1".into(), "2".into()]).to_query(),
            r#"any(external_id,["1","2"])"#
        );
    }
}
