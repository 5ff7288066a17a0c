//! `GET /api/profiles` in the fake: sparse fields, `equals`/`any` filters, cursor pages.

use std::collections::HashMap;

use actix_web::HttpResponse;
use serde_json::{Map, Value, json};

use super::paging::{cursor_offset, page_links, page_size};
use super::reply::{self, Refused, respond};
use super::{FakeProfile, Inner, schema};

pub(crate) fn list(
    inner: &Inner,
    query: &HashMap<String, String>,
) -> Result<HttpResponse, Refused> {
    let size = page_size(query)?;
    let offset = cursor_offset(query)?;
    let filter =
        match query.get("filter") {
            Some(text) => Some(parse_filter(text).ok_or_else(|| {
                reply::parameter_error("filter", &format!("Invalid filter: {text}"))
            })?),
            None => None,
        };
    let fields: Option<Vec<String>> = query
        .get("fields[profile]")
        .map(|f| f.split(',').map(str::to_owned).collect());
    let matching: Vec<_> = {
        let state = inner.state();
        match &filter {
            None => state.profiles.clone(),
            Some(filter) => {
                let mut at: Vec<usize> = filter
                    .values
                    .iter()
                    .filter_map(|value| state.profile_position(&filter.field, value))
                    .collect();
                // In the order Klaviyo holds them, each once.
                at.sort_unstable();
                at.dedup();
                at.into_iter().map(|i| state.profiles[i].clone()).collect()
            }
        }
    };
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(size)
        .map(|p| profile_resource(inner, p, fields.as_deref()))
        .collect();
    let next = (offset + size < matching.len()).then_some(offset + size);
    let value = json!({ "data": page, "links": page_links(inner, "/api/profiles", query, next) });
    Ok(respond(inner, 200, schema::PROFILES, &value))
}

fn profile_resource(inner: &Inner, p: &FakeProfile, fields: Option<&[String]>) -> Value {
    let all = json!({
        "email": p.email, "phone_number": p.phone_number, "external_id": p.external_id,
        "properties": p.properties,
    });
    let attributes: Map<String, Value> = all
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| fields.is_none_or(|f| f.iter().any(|x| x == *k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    json!({
        "type": "profile", "id": p.id, "attributes": attributes,
        "links": { "self": format!("{}/api/profiles/{}/", inner.address, p.id) }
    })
}

/// A parsed `filter`: `equals(field,"v")` or `any(field,["v",…])`.
struct Filter {
    field: String,
    values: Vec<String>,
}

fn parse_filter(text: &str) -> Option<Filter> {
    let (op, rest) = text.split_once('(')?;
    let (field, argument) = rest.strip_suffix(')')?.split_once(',')?;
    if !matches!(field, "email" | "external_id" | "phone_number" | "id") {
        return None;
    }
    let values = match op {
        "equals" => vec![quoted(argument.trim())?.0],
        "any" => quoted_list(argument.trim().strip_prefix('[')?.strip_suffix(']')?)?,
        _ => return None,
    };
    Some(Filter {
        field: field.to_owned(),
        values,
    })
}

/// A `"…"` or `'…'` string at the start of `text`, and what follows it.
fn quoted(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &text[1..];
    let end = rest.find(quote)?;
    Some((rest[..end].to_owned(), &rest[end + 1..]))
}

fn quoted_list(mut text: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    while !text.trim().is_empty() {
        let (value, rest) = quoted(text.trim_start())?;
        values.push(value);
        text = rest.trim_start().strip_prefix(',').unwrap_or(rest);
    }
    Some(values)
}
