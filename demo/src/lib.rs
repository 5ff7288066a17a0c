//! A generated demo shop for Meander: a fashion, home and lifestyle catalog with brands,
//! vendors, variants, prices, unit costs and stock, plus simulated shoppers, sessions and orders.
//!
//! Pure, synchronous and deterministic: the same [`DemoConfig`] (seed and `now`) always gives the
//! same [`DemoShop`]. There is no I/O and no clock. The data has the structure a recommender
//! should find — category affinity, co-views within and across "adjacent" leaves, complementary
//! co-purchases (dress + heels + clutch), brand loyalty and a long tail of popularity — so the
//! storefront preview and the admin dashboard show meaningful output on a fresh install.
//!
//! ```
//! let shop = demo::generate(&demo::DemoConfig { products: 200, sessions: 300, ..Default::default() });
//! assert_eq!(shop.products.len(), 200);
//! ```

pub mod audience;
mod brands;
mod catalog;
mod collections;
mod model;
mod rng;
mod sessions;
mod shoppers;
mod stats;
mod taxonomy;
mod words;

pub use model::{
    Brand, Category, Collection, Customer, Event, EventKind, Order, OrderLine, PriceTier, Product,
    ProductStatus, Session, Variant,
};
pub use stats::ShopStats;

use rng::Stage;
use serde::Serialize;

/// Largest catalog [`generate`] builds; bigger requests are clamped.
pub const MAX_PRODUCTS: usize = 100_000;
/// Largest shopper population [`generate`] simulates; bigger requests are clamped.
pub const MAX_SHOPPERS: usize = 200_000;
/// Most sessions [`generate`] simulates; bigger requests are clamped.
pub const MAX_SESSIONS: usize = 1_000_000;
/// Longest history [`generate`] simulates, in days; longer requests are clamped.
pub const MAX_DAYS: u32 = 3_650;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoConfig {
    /// Seed for every random choice; the same seed and `now` give the same shop.
    pub seed: u64,
    /// "Now" as unix seconds: history ends an hour before it, new arrivals are recent to it.
    pub now: i64,
    /// Number of products (default 3,200; at most [`MAX_PRODUCTS`]).
    pub products: usize,
    /// Number of simulated shoppers (default 1,500; at most [`MAX_SHOPPERS`]).
    pub shoppers: usize,
    /// Number of sessions (default 12,000; at most [`MAX_SESSIONS`]). With no shoppers or no
    /// active products there are no sessions.
    pub sessions: usize,
    /// Length of the simulated history before `now`, in days (default 60; at most [`MAX_DAYS`]).
    pub days: u32,
}

impl Default for DemoConfig {
    /// Seed 42, `now` = 2026-12-01T00:00:00Z, 3,200 products, 1,500 shoppers, 12,000 sessions over
    /// 60 days.
    fn default() -> Self {
        Self {
            seed: 42,
            now: 1_796_083_200,
            products: 3_200,
            shoppers: 1_500,
            sessions: 12_000,
            days: 60,
        }
    }
}

/// The generated shop: catalog, customers and activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoShop {
    /// `"meander-demo.myshopify.com"`.
    pub shop_domain: String,
    /// The storefront's display name.
    pub shop_name: String,
    /// ISO currency of every price: `"USD"`.
    pub currency: String,
    /// Departments first (ids `1..`), then leaves (ids `top * 100 + k`).
    pub categories: Vec<Category>,
    /// Brands, ids `1..`.
    pub brands: Vec<Brand>,
    /// Sellers owning the brands (a product's `vendor` is one of these).
    pub vendors: Vec<String>,
    /// Department collections, new arrivals, best sellers, sale, gifts, and cross-category edits.
    pub collections: Vec<Collection>,
    /// Products ordered by creation time (and id).
    pub products: Vec<Product>,
    /// Customer accounts.
    pub customers: Vec<Customer>,
    /// Sessions ordered by start time.
    pub sessions: Vec<Session>,
    /// Orders ordered by id; each belongs to one session.
    pub orders: Vec<Order>,
}

/// What the generator draws before any session: the taxonomy, brands, catalog, shoppers and
/// their accounts. [`generate`] simulates sessions on it; [`audience::Audience`] lets a traffic
/// tool drive the same shoppers.
pub(crate) struct Population {
    pub taxonomy: taxonomy::Taxonomy,
    pub brands: Vec<brands::BrandInfo>,
    pub catalog: catalog::Catalog,
    pub shoppers: Vec<shoppers::Shopper>,
    pub customers: Vec<model::Customer>,
}

impl Population {
    /// The population of `config` (each stage seeded from `config.seed`, so the same ids).
    pub(crate) fn draw(config: &DemoConfig) -> Self {
        let taxonomy = taxonomy::Taxonomy::build();
        let brands = brands::build(&taxonomy, &mut rng::stage_rng(config.seed, Stage::Brands));
        let catalog = catalog::build(
            &mut rng::stage_rng(config.seed, Stage::Catalog),
            &taxonomy,
            &brands,
            config.products.min(MAX_PRODUCTS),
            config.now,
        );
        let (shoppers, customers) = shoppers::build(
            &mut rng::stage_rng(config.seed, Stage::Shoppers),
            &taxonomy,
            &brands,
            config.shoppers.min(MAX_SHOPPERS),
            config.now,
        );
        Self {
            taxonomy,
            brands,
            catalog,
            shoppers,
            customers,
        }
    }
}

/// Generates the demo shop for `config`; never panics, an empty config gives an empty shop.
#[must_use]
pub fn generate(config: &DemoConfig) -> DemoShop {
    let Population {
        taxonomy,
        brands,
        catalog,
        shoppers,
        mut customers,
    } = Population::draw(config);
    let world = sessions::World {
        taxonomy: &taxonomy,
        brands: &brands,
        catalog: &catalog,
        shoppers: &shoppers,
    };
    let (sessions, orders) = sessions::simulate(
        &mut rng::stage_rng(config.seed, Stage::Sessions),
        &world,
        &mut customers,
        config.sessions.min(MAX_SESSIONS),
        config.days.min(MAX_DAYS),
        config.now,
    );
    DemoShop {
        shop_domain: "meander-demo.myshopify.com".to_owned(),
        shop_name: "Meander Demo Store".to_owned(),
        currency: "USD".to_owned(),
        categories: taxonomy.categories(),
        collections: collections::build(&taxonomy, &catalog, &orders, config.now),
        brands: brands.into_iter().map(|b| b.brand).collect(),
        vendors: brands::VENDORS.iter().map(|v| (*v).to_owned()).collect(),
        products: catalog.products,
        customers,
        sessions,
        orders,
    }
}
