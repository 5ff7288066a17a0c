//! A session in progress: the clock, the events so far, the cart, and how products are chosen.

use rand::Rng as _;

use super::query;
use super::world::World;
use crate::model::{Event, EventKind, Product};
use crate::rng::{self, Rng};
use crate::shoppers::{Shopper, tier_affinity};

/// Bounds of the pause between two events, in seconds.
const GAP_SECONDS: (f64, f64) = (5.0, 120.0);
/// How much a favourite brand outweighs others (brand loyalty).
const LOYALTY_BOOST: f64 = 5.0;
/// How much the brand a shopper searched for outweighs others in the results.
const SEARCHED_BRAND_BOOST: f64 = 20.0;
/// Spread of "similar price" in log-price units: ±35% is a close match.
const PRICE_SIGMA: f64 = 0.35;

/// A product placed in the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CartLine {
    /// Product index.
    pub product: usize,
    /// Variant index within the product.
    pub variant: usize,
}

/// A session being simulated.
#[derive(Debug)]
pub(crate) struct Walk<'w> {
    /// What the shopper can see.
    pub world: &'w World<'w>,
    /// Who is shopping.
    pub shopper: &'w Shopper,
    /// The time of the next event.
    pub at: i64,
    /// Events so far, in time order.
    pub events: Vec<Event>,
    /// The last product viewed.
    pub last_view: Option<usize>,
    /// The leaf the shopper is browsing.
    pub leaf: usize,
    /// What is in the cart.
    pub cart: Vec<CartLine>,
    searched_brand: Option<usize>,
}

impl<'w> Walk<'w> {
    /// A fresh session starting at `at` in `leaf`.
    pub(crate) fn new(world: &'w World<'w>, shopper: &'w Shopper, at: i64, leaf: usize) -> Self {
        Self {
            world,
            shopper,
            at,
            events: Vec::new(),
            last_view: None,
            leaf,
            cart: Vec::new(),
            searched_brand: None,
        }
    }

    fn push(
        &mut self,
        rng: &mut Rng,
        kind: EventKind,
        product: Option<&Product>,
        variant: Option<i64>,
        query: Option<String>,
    ) {
        if !self.events.is_empty() {
            // Log-uniform gaps: most clicks are quick, some pages are read for a while.
            let (lo, hi) = GAP_SECONDS;
            let gap = (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp();
            self.at = self.at.saturating_add(gap.round() as i64);
        }
        self.events.push(Event {
            at: self.at,
            kind,
            product_id: product.map(|p| p.id),
            variant_id: variant,
            query,
        });
    }

    /// Views a product in `leaf`, near `anchor` dollars if given; `None` if nothing fits.
    pub(crate) fn view(
        &mut self,
        rng: &mut Rng,
        leaf: usize,
        anchor: Option<f64>,
        must_be_in_stock: bool,
    ) -> Option<usize> {
        let candidates = self.world.catalog.by_leaf.get(leaf)?;
        let weights: Vec<f64> = candidates
            .iter()
            .map(|&p| self.weight(p, anchor, must_be_in_stock))
            .collect();
        let product = candidates[rng::pick_weighted(rng, &weights)?];
        self.push(
            rng,
            EventKind::View,
            Some(&self.world.catalog.products[product]),
            None,
            None,
        );
        self.last_view = Some(product);
        self.leaf = leaf;
        self.searched_brand = None;
        Some(product)
    }

    /// Searches for something in `leaf`; the next view shows its results.
    pub(crate) fn search(&mut self, rng: &mut Rng, leaf: usize) {
        let query = query::for_leaf(rng, self.world, leaf);
        self.push(rng, EventKind::Search, None, None, Some(query.text));
        self.leaf = query.leaf;
        self.searched_brand = query.brand;
    }

    /// Adds an in-stock variant of `product` to the cart; `false` if none is in stock.
    pub(crate) fn add_to_cart(&mut self, rng: &mut Rng, product: usize) -> bool {
        let record = &self.world.catalog.products[product];
        let in_stock: Vec<usize> = (0..record.variants.len())
            .filter(|&v| record.variants[v].inventory_available > 0)
            .collect();
        let Some(&variant) = rng::pick(rng, &in_stock) else {
            return false;
        };
        let line = CartLine { product, variant };
        if self.cart.contains(&line) {
            return false;
        }
        self.push(
            rng,
            EventKind::AddToCart,
            Some(record),
            Some(record.variants[variant].id),
            None,
        );
        self.cart.push(line);
        true
    }

    /// Purchase events for every cart line, stamped with one checkout time.
    pub(crate) fn purchase(&mut self, rng: &mut Rng) {
        let world = self.world;
        let mut first = true;
        for line in self.cart.clone() {
            let product = &world.catalog.products[line.product];
            let variant = product.variants.get(line.variant).map(|v| v.id);
            if first {
                self.push(rng, EventKind::Purchase, Some(product), variant, None);
                first = false;
            } else {
                // One checkout: the lines share the moment of purchase.
                self.events.push(Event {
                    at: self.at,
                    kind: EventKind::Purchase,
                    product_id: Some(product.id),
                    variant_id: variant,
                    query: None,
                });
            }
        }
    }

    /// How strongly the shopper is drawn to product `p` right now: its [`pull`], unless it
    /// is not for sale yet, was just viewed or is out of stock where that matters, boosted
    /// by the brand searched for and shaped by the price anchor.
    fn weight(&self, p: usize, anchor: Option<f64>, must_be_in_stock: bool) -> f64 {
        let catalog = &self.world.catalog;
        let (product, meta) = (&catalog.products[p], &catalog.meta[p]);
        if product.created_at > self.at || self.last_view == Some(p) {
            return 0.0;
        }
        if must_be_in_stock && !product.variants.iter().any(|v| v.inventory_available > 0) {
            return 0.0;
        }
        let mut w = pull(self.world, self.shopper, p);
        if self.searched_brand == Some(meta.brand) {
            w *= SEARCHED_BRAND_BOOST;
        }
        if let Some(anchor) = anchor {
            let d = (meta.price.max(0.01) / anchor.max(0.01)).ln() / PRICE_SIGMA;
            // A floor keeps far-off prices possible, just rare.
            w *= 0.05 + (-0.5 * d * d).exp();
        }
        w
    }
}

/// The lasting pull of product `p` on `shopper`, before the moment's context: its popularity,
/// how well its brand's price tier suits the shopper, and brand loyalty. Zero for an unknown
/// product or brand.
pub(crate) fn pull(world: &World<'_>, shopper: &Shopper, p: usize) -> f64 {
    let Some(meta) = world.catalog.meta.get(p) else {
        return 0.0;
    };
    let Some(brand) = world.brands.get(meta.brand) else {
        return 0.0;
    };
    let w = meta.attractiveness * tier_affinity(shopper.tier, brand.brand.tier);
    if shopper.brands.contains(&meta.brand) {
        w * LOYALTY_BOOST
    } else {
        w
    }
}
