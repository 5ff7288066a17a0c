//! Every background job, one per file: a documented serde payload, its stable name (which is
//! also its queue), its attempt budget, its dedupe parts, and a handler that calls into
//! `services`. [`crate::pool::register_all`] is the one list of jobs the workers run.

pub mod build_email_feeds;
pub mod connect_web_pixel;
pub mod guard_experiments;
pub mod load_demo_shop;
pub mod precompute_list_part;
pub mod precompute_lists;
pub mod precompute_product;
pub mod process_webhook;
pub mod purge_shop;
pub mod push_email_lists;
pub mod reconcile_catalog;
pub mod refresh_shop_token;
pub mod rollup_metrics;
pub mod sync_catalog;
pub mod train_models;

pub use build_email_feeds::BuildEmailFeeds;
pub use connect_web_pixel::ConnectWebPixel;
pub use guard_experiments::GuardExperiments;
pub use load_demo_shop::LoadDemoShop;
pub use precompute_list_part::PrecomputeListPart;
pub use precompute_lists::PrecomputeLists;
pub use precompute_product::PrecomputeProduct;
pub use process_webhook::ProcessWebhook;
pub use purge_shop::PurgeShop;
pub use push_email_lists::PushEmailLists;
pub use reconcile_catalog::ReconcileCatalog;
pub use refresh_shop_token::RefreshShopToken;
pub use rollup_metrics::RollupMetrics;
pub use sync_catalog::SyncCatalog;
pub use train_models::TrainModels;
