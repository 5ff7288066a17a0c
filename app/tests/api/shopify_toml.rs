//! `shopify.app.toml` declares exactly what the app implements.

use std::collections::BTreeSet;

use services::topic::Topic;

fn app_toml() -> toml::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shopify.app.toml");
    let text = std::fs::read_to_string(path).expect("shopify.app.toml at the repository root");
    toml::from_str(&text).expect("shopify.app.toml parses")
}

fn strings(value: &toml::Value) -> Vec<String> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn shopify_app_toml_subscribes_to_exactly_the_topics_the_webhook_handler_supports() {
    let config = app_toml();
    let webhooks = &config["webhooks"];
    assert_eq!(webhooks["api_version"].as_str(), Some("2026-07"));
    let mut topics = BTreeSet::new();
    let mut compliance = BTreeSet::new();
    for subscription in webhooks["subscriptions"].as_array().unwrap() {
        assert_eq!(subscription["uri"].as_str(), Some("/webhooks"));
        topics.extend(subscription.get("topics").map(strings).unwrap_or_default());
        compliance.extend(
            subscription
                .get("compliance_topics")
                .map(strings)
                .unwrap_or_default(),
        );
    }
    let supported: BTreeSet<String> = Topic::SUBSCRIBED
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    assert_eq!(topics, supported);
    let mandatory: BTreeSet<String> = Topic::COMPLIANCE
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    assert_eq!(compliance, mandatory);
    for topic in topics.iter().chain(&compliance) {
        assert!(Topic::parse(topic).is_some(), "{topic}");
    }
}

#[test]
fn shopify_app_toml_matches_the_default_settings() {
    let config = app_toml();
    assert_eq!(config["embedded"].as_bool(), Some(true));
    assert_eq!(
        config["access_scopes"]["scopes"].as_str(),
        Some(common::settings::ShopifySettings::default().scopes.as_str())
    );
    let proxy = &config["app_proxy"];
    assert_eq!(proxy["prefix"].as_str(), Some("apps"));
    assert_eq!(proxy["subpath"].as_str(), Some("meander"));
    assert!(proxy["url"].as_str().unwrap().ends_with("/proxy"));
    assert!(
        strings(&config["auth"]["redirect_urls"])
            .iter()
            .all(|u| u.ends_with("/auth/callback"))
    );
    assert_eq!(strings(&config["extension_directories"]), ["extension/*"]);
}
