//! Meander's storage model: one sea-orm entity per table, plus the domain newtypes stored in
//! them. Every table that holds shop data carries `shop_id`, and every query filters by it.
//!
//! Conventions: Shopify numeric ids are `i64` (they exceed 2^53, so never `f64`), money is an
//! `i64` count of the currency's minor unit, timestamps are UTC.

pub mod domain;

pub mod app_proxy_replay;
pub mod audit_entry;
pub mod category;
pub mod category_adjacency;
pub mod collection;
pub mod data_export;
pub mod email_feed;
pub mod email_feed_key;
pub mod email_push_state;
pub mod event;
pub mod experiment;
pub mod experiment_assignment;
pub mod impression;
pub mod inventory;
pub mod inventory_level;
pub mod job_run;
pub mod klaviyo_account;
pub mod klaviyo_oauth_state;
pub mod klaviyo_rate_limit;
pub mod list_part;
pub mod merchant_rule;
pub mod metric_rollup;
pub mod model;
pub mod oauth_state;
pub mod order;
pub mod order_line;
pub mod product;
pub mod product_collection;
pub mod product_ordinal;
pub mod product_rollup;
pub mod rec_id_node;
pub mod rec_list;
pub mod serving_context;
pub mod shop;
pub mod shop_setting;
pub mod shopper_identity;
pub mod sync_run;
pub mod token_refresh_lock;
pub mod variant;
pub mod webhook_receipt;
pub mod worker_heartbeat;

pub use domain::{Money, MoneyError, ShopDomain, ShopDomainError};

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::*;

    fn columns<E: EntityTrait>() -> (&'static str, Vec<&'static str>) {
        let table = E::default().table_name();
        (
            table,
            E::Column::iter().map(|column| column.as_str()).collect(),
        )
    }

    #[test]
    fn every_table_holding_shop_data_carries_shop_id() {
        let tables = [
            columns::<audit_entry::Entity>(),
            columns::<category::Entity>(),
            columns::<category_adjacency::Entity>(),
            columns::<collection::Entity>(),
            columns::<data_export::Entity>(),
            columns::<email_push_state::Entity>(),
            columns::<event::Entity>(),
            columns::<experiment::Entity>(),
            columns::<experiment_assignment::Entity>(),
            columns::<inventory::Entity>(),
            columns::<inventory_level::Entity>(),
            columns::<job_run::Entity>(),
            columns::<klaviyo_account::Entity>(),
            columns::<klaviyo_oauth_state::Entity>(),
            columns::<list_part::Entity>(),
            columns::<merchant_rule::Entity>(),
            columns::<metric_rollup::Entity>(),
            columns::<model::Entity>(),
            columns::<order::Entity>(),
            columns::<order_line::Entity>(),
            columns::<product::Entity>(),
            columns::<product_collection::Entity>(),
            columns::<product_rollup::Entity>(),
            columns::<rec_list::Entity>(),
            columns::<shop_setting::Entity>(),
            columns::<shopper_identity::Entity>(),
            columns::<sync_run::Entity>(),
            columns::<token_refresh_lock::Entity>(),
            columns::<variant::Entity>(),
            columns::<webhook_receipt::Entity>(),
        ];
        for (table, cols) in tables {
            assert!(
                cols.contains(&"shop_id"),
                "{table} has no shop_id: {cols:?}"
            );
        }
    }
}
