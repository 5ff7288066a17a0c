//! The JSON:API envelope Klaviyo wraps every body in: `{"data": {"type", "id", "attributes"}}`.

use serde::{Deserialize, Serialize};

/// `{"data": …}`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Document<T> {
    pub data: T,
}

/// A resource object to send: `{"type", "id"?, "attributes"}`.
#[derive(Debug, Serialize)]
pub(crate) struct NewResource<'a, A> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    pub attributes: A,
}

impl<A> NewResource<'_, A> {
    pub(crate) fn new(kind: &'static str, attributes: A) -> Self {
        Self {
            kind,
            id: None,
            attributes,
        }
    }
}

/// A resource object received.
#[derive(Debug, Deserialize)]
pub(crate) struct Resource<A> {
    pub id: String,
    pub attributes: A,
}

/// A page of a collection: `{"data": [...], "links": {"next"}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Collection<A> {
    pub data: Vec<Resource<A>>,
    #[serde(default)]
    pub links: Option<Links>,
}

/// `links` of a collection.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Links {
    #[serde(default)]
    pub next: Option<String>,
}

impl Links {
    /// The `page[cursor]` of the `next` link, if there is a next page.
    pub(crate) fn next_cursor(&self) -> Option<String> {
        let next = url::Url::parse(self.next.as_deref()?).ok()?;
        next.query_pairs()
            .find(|(key, _)| key == "page[cursor]")
            .map(|(_, value)| value.into_owned())
    }
}

/// One page of a paginated listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass to the next call to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<A> Collection<A> {
    pub(crate) fn into_page<T>(self, item: impl Fn(Resource<A>) -> T) -> Page<T> {
        let next_cursor = self.links.as_ref().and_then(Links::next_cursor);
        Page {
            items: self.data.into_iter().map(item).collect(),
            next_cursor,
        }
    }
}
