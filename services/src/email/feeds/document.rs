//! A feed as Klaviyo fetches it: one JSON document per feed with a list per cohort, each
//! with its own rec id so a click from it is attributed to that list. Klaviyo refuses feed
//! content over 4 MB, so cohorts are added in order (shop-wide first, then the largest)
//! while the document stays within [`MAX_FEED_BYTES`].

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::FeedKind;
use super::cohorts::Cohort;
use crate::email::payload::Showcase;

/// Klaviyo's limit on web feed content is 4 MB; this leaves room for the envelope.
pub const MAX_FEED_BYTES: usize = 4_000_000;

/// A rendered feed.
#[derive(Debug)]
pub(super) struct Rendered {
    /// The JSON document.
    pub body: String,
    /// The cohorts in it, with their rec ids and products (for the impression log).
    pub lists: Vec<(String, String, Vec<i64>)>,
    /// Cohorts left out to stay within the size limit.
    pub dropped: usize,
}

/// Renders `cohorts` of `kind` within `max_bytes`.
pub(super) fn render(
    showcase: &Showcase,
    kind: FeedKind,
    cohorts: &[Cohort],
    now: DateTime<Utc>,
    max_bytes: usize,
) -> Rendered {
    let envelope = json!({
        "feed": kind.slug(),
        "generated_at": now.to_rfc3339(),
        "currency": showcase.currency(),
        "cohorts": {},
    });
    // The envelope with an empty cohort map, then `"key":{…},` per cohort.
    let mut size = envelope.to_string().len();
    let mut rendered = serde_json::Map::new();
    let mut lists = Vec::new();
    let mut dropped = 0;
    for cohort in cohorts {
        let Some((rec_id, products, value)) = cohort_value(showcase, kind, cohort) else {
            continue;
        };
        let added = cohort.key.len() + value.to_string().len() + 4;
        if size + added > max_bytes || rendered.contains_key(&cohort.key) {
            dropped += 1;
            continue;
        }
        size += added;
        rendered.insert(cohort.key.clone(), value);
        lists.push((cohort.key.clone(), rec_id, products));
    }
    let mut document = envelope;
    document["cohorts"] = Value::Object(rendered);
    Rendered {
        body: document.to_string(),
        lists,
        dropped,
    }
}

/// One cohort's JSON with its rec id and the products shown; `None` when none is showable.
fn cohort_value(
    showcase: &Showcase,
    kind: FeedKind,
    cohort: &Cohort,
) -> Option<(String, Vec<i64>, Value)> {
    let items: Vec<_> = cohort
        .products
        .iter()
        .filter_map(|&id| showcase.item(id, kind.reason(&cohort.title)))
        .collect();
    if items.is_empty() {
        return None;
    }
    let products: Vec<i64> = items.iter().map(|item| item.product_id()).collect();
    let rec_id = rec_id(showcase.shop_id(), kind, &cohort.key, &products);
    let shown: Vec<Value> = items
        .iter()
        .map(|item| showcase.shown(item, &rec_id, kind.campaign()))
        .collect();
    let value = json!({ "title": cohort.title, "rec_id": rec_id, "items": shown });
    Some((rec_id, products, value))
}

/// The rec id of a cohort's list: a hash of what it shows, so an unchanged list keeps its
/// id (and its logged impression) from build to build.
fn rec_id(shop_id: i64, kind: FeedKind, key: &str, products: &[i64]) -> String {
    let mut hash = Sha256::new()
        .chain_update(shop_id.to_be_bytes())
        .chain_update(kind.slug().as_bytes())
        .chain_update(b"\0")
        .chain_update(key.as_bytes())
        .chain_update(b"\0");
    for id in products {
        hash.update(id.to_be_bytes());
    }
    format!("ef_{}", &hex::encode(hash.finalize())[..24])
}
