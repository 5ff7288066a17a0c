//! What an ingest saw beyond the rows it wrote: every product id in the snapshot (for
//! reconciliation) and each order's line-item count (to number order lines).
//!
//! Both are rebuilt from the lines a resumed ingest skips, so a run that crashed half-way
//! and resumed knows the whole file, not just the part it applied after the restart.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::records::{gid_number, gid_type};

/// Ids and counters gathered over a whole JSONL file.
#[derive(Debug, Default)]
pub struct Observed {
    /// Products present in the file, applied or not (a malformed product line still means
    /// the product exists in Shopify).
    pub product_ids: HashSet<i64>,
    /// Non-empty lines whose object could not be identified at all (not JSON, no id).
    pub unidentified: u64,
    /// Line items seen per order so far.
    line_items: HashMap<i64, i32>,
}

#[derive(Deserialize)]
struct Ids<'a> {
    #[serde(borrow, default)]
    id: Option<&'a str>,
    #[serde(borrow, default, rename = "__parentId")]
    parent: Option<&'a str>,
}

impl Observed {
    /// Notes a line from its `id` and `__parentId` alone (skipped or malformed lines).
    pub fn note_raw(&mut self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let Ok(ids) = serde_json::from_str::<Ids<'_>>(text) else {
            self.unidentified += 1;
            return;
        };
        let Some(id) = ids.id else {
            self.unidentified += 1;
            return;
        };
        match (gid_type(id), ids.parent.and_then(gid_type)) {
            (Some("Product"), None) => self.product(id),
            (Some("Order"), None) => self.order(id),
            (Some("LineItem"), Some("Order")) => {
                self.next_line_no(ids.parent.unwrap_or_default());
            }
            (None, _) => self.unidentified += 1,
            _ => {}
        }
    }

    /// Notes a product GID.
    pub fn product(&mut self, gid: &str) {
        if let Ok(id) = gid_number(gid) {
            self.product_ids.insert(id);
        }
    }

    /// Notes an order GID: its line items are numbered from 1.
    pub fn order(&mut self, gid: &str) {
        if let Ok(id) = gid_number(gid) {
            self.line_items.insert(id, 0);
        }
    }

    /// The 1-based number of the next line item of `order_gid` (its position in the file,
    /// which grouped bulk output keeps stable between runs).
    pub fn next_line_no(&mut self, order_gid: &str) -> i32 {
        let Ok(order) = gid_number(order_gid) else {
            return 0;
        };
        let count = self.line_items.entry(order).or_insert(0);
        *count = count.saturating_add(1);
        *count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_lines_yield_products_orders_and_line_numbers() {
        let mut seen = Observed::default();
        seen.note_raw(r#"{"id":"gid://shopify/Product/9007199254740993","title":5}"#);
        seen.note_raw(r#"{"id":"gid://shopify/Order/7"}"#);
        seen.note_raw(r#"{"id":"gid://shopify/LineItem/1","__parentId":"gid://shopify/Order/7"}"#);
        seen.note_raw("not json");
        seen.note_raw("");

        assert!(seen.product_ids.contains(&9_007_199_254_740_993));
        assert_eq!(seen.next_line_no("gid://shopify/Order/7"), 2);
        assert_eq!(seen.unidentified, 1);
    }
}
