//! Property-based fuzzing of settings documents: any TOML text is either a valid `Settings`
//! or a typed error naming what is wrong, never a panic. The corpus under
//! `fuzz/corpus/settings_toml/` is replayed with its expected outcomes.
//!
//! CI runs proptest's default 256 cases per property; the long run is
//! `PROPTEST_CASES=1000000 cargo test -p common --test fuzz`.

#[path = "../../fuzz/replay.rs"]
mod replay;

use common::Settings;
use figment::Figment;
use figment::providers::{Format, Toml};
use proptest::prelude::*;

/// TOML documents made of the real sections and keys with values of any type.
fn document() -> impl Strategy<Value = String> {
    let section = prop_oneof![
        Just("server"),
        Just("database"),
        Just("worker"),
        Just("demo"),
        Just("shopify"),
        Just("events"),
        Just("log"),
        Just("nonsense"),
    ];
    let key = "[a-z_]{1,24}";
    let value = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        "\"[ -~&&[^\"\\\\]]{0,20}\"",
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
    ];
    let line = (key, value).prop_map(|(k, v)| format!("{k} = {v}"));
    let block = (section, prop::collection::vec(line, 0..5))
        .prop_map(|(s, lines)| format!("[{s}]\n{}\n", lines.join("\n")));
    prop::collection::vec(block, 0..4).prop_map(|blocks| blocks.concat())
}

proptest! {
    #[test]
    fn arbitrary_settings_documents_never_panic(raw in any::<String>(), shaped in document()) {
        let _ = Settings::from_figment(&Figment::from(Toml::string(&raw)));
        let _ = Settings::from_figment(&Figment::from(Toml::string(&shaped)));
    }
}

#[test]
fn the_settings_corpus_gives_its_expected_outcomes() {
    replay::replay("settings_toml", |raw| {
        let text = String::from_utf8_lossy(raw);
        Settings::from_figment(&Figment::from(Toml::string(&text))).is_ok()
    });
}
