//! Meander's storage model: one sea-orm entity per table, plus the domain newtypes stored in
//! them. Every table that holds shop data carries `shop_id`, and every query filters by it.
//!
//! Conventions: Shopify numeric ids are `i64` (they exceed 2^53, so never `f64`), money is an
//! `i64` count of the currency's minor unit, timestamps are UTC.

pub mod domain;

pub mod category;
pub mod category_adjacency;
pub mod collection;
pub mod event;
pub mod experiment;
pub mod experiment_assignment;
pub mod inventory;
pub mod klaviyo_account;
pub mod metric_rollup;
pub mod model;
pub mod order;
pub mod order_line;
pub mod product;
pub mod product_collection;
pub mod rec_list;
pub mod shop;
pub mod shop_setting;
pub mod sync_run;
pub mod variant;
pub mod webhook_receipt;
pub mod worker_heartbeat;

pub use domain::{Money, MoneyError, ShopDomain, ShopDomainError};
