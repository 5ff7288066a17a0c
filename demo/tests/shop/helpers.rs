//! The shared default shop and lookups the tests use.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use demo::{DemoConfig, DemoShop, Product, Variant};

/// The default shop, generated once for the whole test binary.
pub fn default_shop() -> &'static DemoShop {
    static SHOP: OnceLock<DemoShop> = OnceLock::new();
    SHOP.get_or_init(|| demo::generate(&DemoConfig::default()))
}

/// Lookups by id over one shop.
pub struct Index<'a> {
    pub products: HashMap<i64, &'a Product>,
    pub variants: HashMap<i64, (&'a Product, &'a Variant)>,
    /// Adjacent leaf pairs, both directions.
    pub adjacent: HashSet<(u32, u32)>,
}

impl<'a> Index<'a> {
    pub fn new(shop: &'a DemoShop) -> Self {
        let products = shop.products.iter().map(|p| (p.id, p)).collect();
        let variants = shop
            .products
            .iter()
            .flat_map(|p| p.variants.iter().map(move |v| (v.id, (p, v))))
            .collect();
        let adjacent = shop
            .categories
            .iter()
            .flat_map(|c| c.adjacent.iter().map(move |&a| (c.id, a)))
            .collect();
        Self {
            products,
            variants,
            adjacent,
        }
    }

    /// The leaf of a product id.
    pub fn leaf(&self, product_id: i64) -> Option<u32> {
        self.products.get(&product_id).map(|p| p.category_id)
    }

    /// Whether two leaves are the same or adjacent.
    pub fn related(&self, a: u32, b: u32) -> bool {
        a == b || self.adjacent.contains(&(a, b))
    }
}

/// `part / whole`, 0 for an empty whole.
pub fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Whether all items are distinct.
pub fn all_unique<T: std::hash::Hash + Eq>(items: impl IntoIterator<Item = T>) -> bool {
    let mut seen = HashSet::new();
    items.into_iter().all(|item| seen.insert(item))
}
