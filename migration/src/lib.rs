//! Meander's schema migrations, append-only: never edit one that has landed, add a new one.
//!
//! Every migration is written with sea-query's schema builder so that the same code creates
//! identical tables on SQLite and PostgreSQL; the one difference is the distribution keys
//! (`m20261206_000200_distribution_keys`), which only PostgreSQL gets.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_initial;
mod m20261125_000010_shopper_identities;
mod m20261125_000020_shopify_edge;
mod m20261125_000030_inventory_levels;
mod m20261125_000050_rec_pipeline;
mod m20261125_000060_impression_provenance;
mod m20261125_000070_impressions;
mod m20261203_000080_catalog_freshness;
mod m20261204_000090_queue_health;
mod m20261204_000100_list_parts;
mod m20261204_000110_list_version_index;
mod m20261204_000120_klaviyo_push;
mod m20261205_000130_settings_versions;
mod m20261205_000140_receipt_reason;
mod m20261205_000160_email_feeds;
mod m20261206_000170_merchant_rules;
mod m20261206_000180_klaviyo_oauth;
mod m20261206_000190_experiments;
pub mod m20261206_000200_distribution_keys;
mod m20261206_000210_order_shoppers;
mod m20261207_000240_product_rollups;
mod m20261208_000250_rollup_modules;
mod m20261208_000260_email_holdout;
mod m20261209_000270_impression_slates;
mod m20261210_000280_impression_model_rows;
mod m20261211_000290_impression_keys;
mod m20261212_000300_list_revision;
mod m20261213_000310_product_ordinals;
mod m20261214_000320_serving_contexts;

/// The migrator the app runs at start (`app migrate` or the embedded default).
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_initial::Migration),
            Box::new(m20261125_000010_shopper_identities::Migration),
            Box::new(m20261125_000020_shopify_edge::Migration),
            Box::new(m20261125_000030_inventory_levels::Migration),
            Box::new(m20261125_000050_rec_pipeline::Migration),
            Box::new(m20261125_000060_impression_provenance::Migration),
            Box::new(m20261125_000070_impressions::Migration),
            Box::new(m20261203_000080_catalog_freshness::Migration),
            Box::new(m20261204_000090_queue_health::Migration),
            Box::new(m20261204_000100_list_parts::Migration),
            Box::new(m20261204_000110_list_version_index::Migration),
            Box::new(m20261204_000120_klaviyo_push::Migration),
            Box::new(m20261205_000130_settings_versions::Migration),
            Box::new(m20261205_000140_receipt_reason::Migration),
            Box::new(m20261205_000160_email_feeds::Migration),
            Box::new(m20261206_000170_merchant_rules::Migration),
            Box::new(m20261206_000180_klaviyo_oauth::Migration),
            Box::new(m20261206_000190_experiments::Migration),
            Box::new(m20261206_000200_distribution_keys::Migration),
            Box::new(m20261206_000210_order_shoppers::Migration),
            Box::new(m20261207_000240_product_rollups::Migration),
            Box::new(m20261208_000250_rollup_modules::Migration),
            Box::new(m20261208_000260_email_holdout::Migration),
            Box::new(m20261209_000270_impression_slates::Migration),
            Box::new(m20261210_000280_impression_model_rows::Migration),
            Box::new(m20261211_000290_impression_keys::Migration),
            Box::new(m20261212_000300_list_revision::Migration),
            Box::new(m20261213_000310_product_ordinals::Migration),
            Box::new(m20261214_000320_serving_contexts::Migration),
        ]
    }
}
