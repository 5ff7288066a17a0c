//! HTTP and process-level tests of the app: one binary, one module per area.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test loudly on broken set-up"
)]

mod admin_api;
mod admin_metrics;
mod admin_pages;
mod admin_rules;
mod admin_settings;
mod cli;
mod collections;
mod concurrency;
mod demo;
mod distribution;
mod email_admin;
mod email_feeds;
mod end_to_end;
mod errors;
mod events;
mod experiments;
mod extensions;
mod freshness;
mod health;
mod helpers;
mod klaviyo_oauth;
mod list_quality;
mod migrations;
mod pipeline;
mod preflight;
mod recs;
mod recs_liquid;
mod search;
mod shop;
mod shopify_auth;
mod shopify_proxy;
mod shopify_toml;
mod shopify_webhooks;
mod storefront;
mod storefront_events;
mod traffic;
mod webhook_receipts;
