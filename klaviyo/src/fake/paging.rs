//! Cursor pagination as Klaviyo does it: `page[size]`, an opaque `page[cursor]`, and a
//! `links.next` URL carrying the cursor.

use std::collections::HashMap;

use base64::Engine as _;
use serde_json::{Value, json};

use super::Inner;
use super::reply::{self, Refused};

pub(crate) fn page_size(query: &HashMap<String, String>) -> Result<usize, Refused> {
    let Some(raw) = query.get("page[size]") else {
        return Ok(20);
    };
    match raw.parse::<usize>() {
        Ok(size @ 1..=100) => Ok(size),
        _ => Err(reply::parameter_error(
            "page[size]",
            "Page size must be an integer between 1 and 100.",
        )),
    }
}

pub(crate) fn cursor_offset(query: &HashMap<String, String>) -> Result<usize, Refused> {
    let Some(cursor) = query.get("page[cursor]") else {
        return Ok(0);
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| reply::parameter_error("page[cursor]", "Invalid page cursor."))
}

fn cursor_for(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// `links` of a page, with `next` carrying the cursor and the other parameters.
pub(crate) fn page_links(
    inner: &Inner,
    path: &str,
    query: &HashMap<String, String>,
    next: Option<usize>,
) -> Value {
    let encode = |pairs: &HashMap<String, String>| {
        let mut sorted: Vec<_> = pairs.iter().collect();
        sorted.sort();
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(sorted)
            .finish()
    };
    let base = format!("{}{path}", inner.address);
    let mut links = json!({ "self": format!("{base}?{}", encode(query)) });
    if let Some(offset) = next {
        let mut next_query = query.clone();
        next_query.insert("page[cursor]".into(), cursor_for(offset));
        links["next"] = json!(format!("{base}?{}", encode(&next_query)));
    }
    links
}
