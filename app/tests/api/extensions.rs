//! The Shopify extensions under `extension/` are well-formed and agree with the app: extension
//! types, app-block schemas (JSON, target, assets, settings), the pixel's settings, the app-proxy
//! path the blocks call.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn extension_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../extension")
        .join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn extension_toml(name: &str) -> toml::Value {
    toml::from_str(&read(&extension_dir(name).join("shopify.extension.toml"))).unwrap()
}

/// The JSON between `{% schema %}` and `{% endschema %}`.
fn block_schema(liquid: &str) -> Value {
    let start = liquid.find("{% schema %}").expect("a schema tag") + "{% schema %}".len();
    let end = liquid.find("{% endschema %}").expect("an endschema tag");
    serde_json::from_str(&liquid[start..end]).expect("the schema is JSON")
}

fn blocks() -> Vec<(String, String)> {
    let dir = extension_dir("meander-recs/blocks");
    let mut blocks: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "liquid"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, read(&path))
        })
        .collect();
    blocks.sort();
    blocks
}

#[test]
fn every_extension_folder_declares_its_type() {
    assert_eq!(
        extension_toml("meander-recs")["type"].as_str(),
        Some("theme")
    );
    let pixel = extension_toml("meander-pixel");
    assert_eq!(pixel["type"].as_str(), Some("web_pixel_extension"));
    assert_eq!(pixel["runtime_context"].as_str(), Some("strict"));
}

#[test]
fn the_theme_extension_has_the_four_storefront_blocks() {
    let names: Vec<String> = blocks().into_iter().map(|(name, _)| name).collect();

    assert_eq!(
        names,
        [
            "cart-recommendations.liquid",
            "complete-the-look.liquid",
            "home-recommendations.liquid",
            "product-recommendations.liquid",
        ]
    );
}

#[test]
fn app_block_schemas_are_valid_section_blocks_with_existing_assets() {
    let assets = extension_dir("meander-recs/assets");
    for (name, liquid) in blocks() {
        let schema = block_schema(&liquid);
        assert!(
            schema["name"]
                .as_str()
                .is_some_and(|n| !n.is_empty() && n.len() <= 25),
            "{name}"
        );
        assert_eq!(schema["target"], "section", "{name}");
        for asset in ["javascript", "stylesheet"] {
            let file = schema[asset].as_str().unwrap();
            assert!(
                assets.join(file).is_file(),
                "{name}: {asset} {file} is missing"
            );
        }
        assert!(
            schema.get("templates").is_none(),
            "{name}: `templates` is deprecated"
        );
        assert!(schema["enabled_on"]["templates"].is_array(), "{name}");
        let settings = schema["settings"].as_array().unwrap();
        let ids: BTreeSet<&str> = settings.iter().filter_map(|s| s["id"].as_str()).collect();
        assert_eq!(
            ids,
            BTreeSet::from(["heading", "products_to_show", "show_reasons"]),
            "{name}"
        );
        for setting in settings {
            check_setting(&name, setting);
        }
        assert!(
            !liquid.contains("{% include"),
            "{name}: theme app extensions cannot use include"
        );
        assert!(liquid.contains("{%- render 'meander-recs'"), "{name}");
    }
}

/// Ranges: default inside the bounds, at most 101 steps (the theme editor's limit).
fn check_setting(block: &str, setting: &Value) {
    assert!(setting["label"].is_string(), "{block}: {setting}");
    match setting["type"].as_str() {
        Some("range") => {
            let number = |key: &str| setting[key].as_f64().unwrap();
            let (min, max, step, default) = (
                number("min"),
                number("max"),
                number("step"),
                number("default"),
            );
            assert!(
                min < max && (min..=max).contains(&default),
                "{block}: {setting}"
            );
            assert!((max - min) / step <= 101.0, "{block}: {setting}");
            // The server answers at most 24 items per module.
            assert!(max <= 24.0, "{block}: {setting}");
        }
        Some("checkbox") => assert!(setting["default"].is_boolean(), "{block}: {setting}"),
        Some("text") => assert!(setting["default"].is_string(), "{block}: {setting}"),
        other => panic!("{block}: unexpected setting type {other:?}"),
    }
}

#[test]
fn the_blocks_call_the_app_proxy_configured_in_shopify_app_toml() {
    let app: toml::Value = toml::from_str(&read(&extension_dir("../shopify.app.toml"))).unwrap();
    let proxy = &app["app_proxy"];
    let path = format!(
        "'/{}/{}'",
        proxy["prefix"].as_str().unwrap(),
        proxy["subpath"].as_str().unwrap()
    );

    let script = read(&extension_dir("meander-recs/assets/meander-recs.js"));

    assert!(script.contains(&format!("var PROXY = {path};")), "{path}");
    assert_eq!(
        app["extension_directories"][0].as_str(),
        Some("extension/*")
    );
}

#[test]
fn the_pixel_reads_exactly_the_settings_it_declares() {
    let pixel = extension_toml("meander-pixel");
    let declared: BTreeSet<String> = pixel["settings"]["fields"]
        .as_table()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let code = read(&extension_dir("meander-pixel/src/index.js"))
        + &read(&extension_dir("meander-pixel/src/payload.js"));

    let used: BTreeSet<String> = code
        .split("settings.")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect()
        })
        .collect();

    assert_eq!(used, declared);
    for field in pixel["settings"]["fields"].as_table().unwrap().values() {
        assert_eq!(field["type"].as_str(), Some("single_line_text_field"));
    }
}
