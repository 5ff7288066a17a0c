//! Property-based fuzzing of what the domain parses from outside: bulk-operation JSONL lines,
//! webhook payloads of every topic, storefront event batches and merchant settings
//! documents. No input panics; each gives a value or the typed error of its parser. Inputs
//! are arbitrary text, JSON of any shape with the keys the parsers look for, and valid
//! inputs (the demo shop's JSONL, the corpus's accepted payloads) with one node replaced.
//! The corpus under `fuzz/corpus/` is replayed with its expected outcomes.
//!
//! CI runs proptest's default 256 cases per property; the long run is
//! `PROPTEST_CASES=1000000 cargo test --release -p services --test fuzz`.

#![expect(
    clippy::unwrap_used,
    reason = "fixtures built once for every case: a broken one fails the test"
)]

#[path = "../../fuzz/replay.rs"]
mod replay;

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};
use services::settings::{self, SURFACES, SurfaceSettings};
use services::signals::{EventInput, ShownItem, id};
use services::surface;
use services::sync::SyncError;
use services::sync::records::{Line, parse_line};
use services::sync::webhooks::{Change, WebhookTarget};
use services::topic::Topic;

/// The clock the event corpus was made for.
static NOW: LazyLock<DateTime<Utc>> = LazyLock::new(|| "2026-12-04T12:00:00Z".parse().unwrap());

/// A small demo shop's bulk JSONL: valid lines of every kind the catalog sync reads.
static DEMO_LINES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let shop = demo::generate(&demo::DemoConfig {
        products: 40,
        shoppers: 0,
        sessions: 0,
        ..demo::DemoConfig::default()
    });
    let mut out = Vec::new();
    services::demo::jsonl::write(&shop, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
});

/// The webhook corpus's accepted deliveries: `(topic, payload)`.
static WEBHOOKS: LazyLock<Vec<(Topic, Value)>> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/webhook_body");
    let mut found: Vec<(Topic, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("ok-"))
        })
        .filter_map(|path| delivery(&std::fs::read(path).unwrap()))
        .collect();
    found.sort_by_key(|(topic, _)| topic.as_str());
    found
});

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
        Just("variants".to_owned()),
        Just("line_items".to_owned()),
        Just("weights".to_owned()),
        "[a-z_]{1,10}",
    ];
    json_leaf().prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Scalars, with the boundary numbers and id-like strings parsers trip on.
fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!(u64::MAX)),
        Just(json!(-0.0)),
        any::<f64>().prop_map(|f| json!(f)),
        "gid://shopify/(Product|ProductVariant|Collection|Order|LineItem)/[0-9]{0,20}"
            .prop_map(Value::from),
        "-?[0-9]{0,25}(\\.[0-9]{0,6})?(e[0-9]{1,3})?".prop_map(Value::from),
        "20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})"
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ]
}

/// `base` with the node that `which` picks (the root included) replaced by `replacement`.
fn mutated(base: &Value, which: Index, replacement: Value) -> Value {
    fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
        out.push(at.to_owned());
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    pointers(child, &format!("{at}/{escaped}"), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    pointers(child, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    pointers(base, "", &mut all);
    let mut out = base.clone();
    if let Some(slot) = out.pointer_mut(which.get(&all).as_str()) {
        *slot = replacement;
    }
    out
}

fn target() -> WebhookTarget {
    WebhookTarget {
        shop_id: 1,
        currency_exponent: 2,
        triggered_at: *NOW,
    }
}

/// A webhook payload's outcome: parsed, or refused as malformed (never a database or I/O
/// error, which no parse can cause).
fn parses_webhook(topic: Topic, payload: &Value) -> Result<bool, String> {
    match Change::parse(target(), topic, payload) {
        Ok(_) => Ok(true),
        Err(SyncError::Payload(_) | SyncError::Line(_)) => Ok(false),
        Err(other) => Err(format!("{topic:?}: unexpected error {other}")),
    }
}

/// A corpus delivery: `{"topic": "products/update", "payload": {…}}`.
fn delivery(bytes: &[u8]) -> Option<(Topic, Value)> {
    let mut wrapper: Value = serde_json::from_slice(bytes).ok()?;
    let topic = Topic::parse(wrapper.get("topic")?.as_str()?)?;
    Some((topic, wrapper.get_mut("payload")?.take()))
}

/// Whether an event parses and validates at the corpus's clock.
fn accepts_event(value: Value) -> bool {
    serde_json::from_value::<EventInput>(value).is_ok_and(|event| event.validate(0, *NOW).is_ok())
}

/// A settings document's outcome for `surface`: valid settings must survive a JSON round
/// trip unchanged and still validate; invalid ones name at least one field.
fn check_settings(surface_name: &str, document: Value) -> Result<bool, TestCaseError> {
    let Some(surface) = surface::from_name(surface_name) else {
        return Ok(false);
    };
    let Ok(settings) = serde_json::from_value::<SurfaceSettings>(document) else {
        return Ok(false);
    };
    match settings::validate(surface, &settings) {
        Ok(_) => {
            let again: SurfaceSettings =
                serde_json::from_value(serde_json::to_value(&settings).unwrap()).unwrap();
            prop_assert_eq!(&again, &settings);
            prop_assert!(settings::validate(surface, &again).is_ok());
            Ok(true)
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            Ok(false)
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bulk_lines_never_panic(raw in any::<String>(), shaped in json_value()) {
        let _ = parse_line(&raw);
        let _ = parse_line(&shaped.to_string());
    }

    #[test]
    fn demo_bulk_lines_parse_and_survive_any_one_change(
        line in any::<Index>(),
        which in any::<Index>(),
        replacement in json_value(),
    ) {
        let text = line.get(&DEMO_LINES);
        let parsed = parse_line(text);
        prop_assert!(matches!(parsed, Ok(ref l) if !matches!(l, Line::Other)), "{text}: {parsed:?}");
        let base: Value = serde_json::from_str(text).unwrap();
        let _ = parse_line(&mutated(&base, which, replacement).to_string());
    }

    #[test]
    fn arbitrary_webhook_payloads_of_every_topic_give_a_change_or_a_payload_error(
        topic in prop::sample::select(Topic::SUBSCRIBED.iter().chain(&Topic::COMPLIANCE).copied().collect::<Vec<_>>()),
        raw in any::<String>(),
        shaped in json_value(),
    ) {
        let raw = serde_json::from_str(&raw).unwrap_or(Value::String(raw));
        parses_webhook(topic, &raw).map_err(TestCaseError::fail)?;
        parses_webhook(topic, &shaped).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn valid_webhook_payloads_survive_any_one_change(
        delivery in any::<Index>(),
        which in any::<Index>(),
        replacement in json_value(),
    ) {
        let (topic, payload) = delivery.get(&WEBHOOKS);
        prop_assert_eq!(parses_webhook(*topic, payload), Ok(true));
        parses_webhook(*topic, &mutated(payload, which, replacement)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn arbitrary_event_json_never_panics(shaped in json_value(), index in 0_usize..100) {
        if let Ok(event) = serde_json::from_value::<EventInput>(shaped) {
            let _ = event.validate(index, Utc::now());
        }
    }

    #[test]
    fn well_formed_events_validate_and_survive_any_one_change(
        kind in prop::sample::select(vec!["view", "add_to_cart", "purchase", "click"]),
        product in 1_i64..,
        as_gid in any::<bool>(),
        session in "[A-Za-z0-9_-]{1,40}",
        minutes_ago in 0_i64..7 * 24 * 60,
        which in any::<Index>(),
        replacement in json_value(),
    ) {
        let product_id = if as_gid { json!(format!("gid://shopify/Product/{product}")) } else { json!(product.to_string()) };
        let event = json!({
            "kind": kind, "occurred_at": (*NOW - chrono::Duration::minutes(minutes_ago)).to_rfc3339(),
            "anonymous_id": session, "session_id": session, "product_id": product_id,
            "rec_id": "r-1", "surface": "pdp", "position": 1, "propensity": 0.5,
        });
        prop_assert!(accepts_event(event.clone()), "{event}");
        let _ = accepts_event(mutated(&event, which, replacement));
    }

    #[test]
    fn shopify_ids_parse_back_to_their_number(n in 1_i64.., kind in "[A-Za-z]{1,20}") {
        prop_assert_eq!(id::parse(&n.to_string()), Ok(n));
        prop_assert_eq!(id::parse(&format!("gid://shopify/{kind}/{n}")), Ok(n));
    }

    #[test]
    fn arbitrary_ids_give_a_positive_number_or_a_message(raw in any::<String>()) {
        if let Ok(n) = id::parse(&raw) {
            prop_assert!(n > 0);
        }
    }

    #[test]
    fn shown_items_round_trip_through_their_stored_json(
        product_id in any::<i64>(),
        module in any::<String>(),
        position in any::<i32>(),
        propensity in 0.0_f64..=1.0,
        explored in any::<bool>(),
    ) {
        let item = ShownItem { product_id, module, position, propensity, explored };
        let stored = serde_json::to_string(&item).unwrap();
        prop_assert_eq!(serde_json::from_str::<ShownItem>(&stored).unwrap(), item);
    }

    #[test]
    fn arbitrary_settings_documents_validate_or_name_a_field(
        surface in prop::sample::select(surface::ALL.to_vec()),
        shaped in json_value(),
    ) {
        check_settings(surface::name(surface), shaped)?;
    }

    #[test]
    fn default_settings_with_any_one_change_validate_or_name_a_field(
        surface in prop::sample::select(SURFACES.to_vec()),
        which in any::<Index>(),
        replacement in prop_oneof![
            json_leaf(),
            (0.0_f32..=f32::MAX).prop_map(|f| json!(f)),
            (0_usize..40).prop_map(|n| json!(n)),
        ],
    ) {
        let defaults = serde_json::to_value(SurfaceSettings::defaults(surface)).unwrap();
        prop_assert!(check_settings(surface::name(surface), defaults.clone())?);
        check_settings(surface::name(surface), mutated(&defaults, which, replacement))?;
    }
}

#[test]
fn the_bulk_line_corpus_gives_its_expected_outcomes() {
    replay::replay("bulk_line", |raw| {
        parse_line(&String::from_utf8_lossy(raw)).is_ok_and(|line| !matches!(line, Line::Other))
    });
}

#[test]
fn the_webhook_body_corpus_gives_its_expected_outcomes() {
    assert!(WEBHOOKS.len() >= 6, "accepted deliveries of most topics");
    replay::replay("webhook_body", |raw| {
        let (topic, payload) = delivery(raw).unwrap();
        parses_webhook(topic, &payload).unwrap()
    });
}

#[test]
fn the_event_corpus_gives_its_expected_outcomes() {
    replay::replay("event", |raw| {
        serde_json::from_slice(raw).is_ok_and(accepts_event)
    });
}

#[test]
fn the_settings_document_corpus_gives_its_expected_outcomes() {
    replay::replay("settings_document", |raw| {
        let wrapper: Value = serde_json::from_slice(raw).unwrap();
        check_settings(
            wrapper["surface"].as_str().unwrap(),
            wrapper["settings"].clone(),
        )
        .unwrap()
    });
}
