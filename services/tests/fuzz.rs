//! Property-based fuzzing of what the domain parses from outside: bulk-operation JSONL lines,
//! webhook payloads and storefront event batches. No input panics.
//!
//! CI runs proptest's default 256 cases per property; the long run is
//! `PROPTEST_CASES=1000000 cargo test -p services --test fuzz`.

use chrono::Utc;
use proptest::prelude::*;
use serde_json::{Value, json};
use services::signals::EventInput;
use services::sync::records::parse_line;

/// JSON values of any shape, a few levels deep, with the keys the parsers look for.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("__parentId".to_owned()),
        Just("price".to_owned()),
        Just("kind".to_owned()),
        Just("occurred_at".to_owned()),
        Just("product_id".to_owned()),
        Just("updated_at".to_owned()),
        "[a-z_]{1,10}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "gid://shopify/(Product|ProductVariant|Collection|Order|LineItem)/[0-9]{0,20}"
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bulk_lines_never_panic(raw in any::<String>(), shaped in json_value()) {
        let _ = parse_line(&raw);
        let _ = parse_line(&shaped.to_string());
    }

    #[test]
    fn arbitrary_event_json_never_panics(shaped in json_value(), index in 0_usize..100) {
        if let Ok(event) = serde_json::from_value::<EventInput>(shaped) {
            let _ = event.validate(index, Utc::now());
        }
    }
}
