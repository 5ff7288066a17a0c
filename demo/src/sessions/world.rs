//! What a simulated session can see: the taxonomy, brands, catalog and shoppers.

use rand::Rng as _;

use crate::brands::BrandInfo;
use crate::catalog::Catalog;
use crate::rng::{self, Rng};
use crate::shoppers::Shopper;
use crate::taxonomy::Taxonomy;

/// Everything a session can see.
#[derive(Debug)]
pub(crate) struct World<'a> {
    /// The category tree.
    pub taxonomy: &'a Taxonomy,
    /// The brands.
    pub brands: &'a [BrandInfo],
    /// The catalog with its per-leaf index.
    pub catalog: &'a Catalog,
    /// The simulated shoppers.
    pub shoppers: &'a [Shopper],
}

impl World<'_> {
    /// A leaf in one of the shopper's favourite departments (sometimes anywhere).
    pub(crate) fn leaf_for(&self, rng: &mut Rng, shopper: &Shopper) -> usize {
        let weights: Vec<f64> = shopper.tops.iter().map(|&(_, w)| w).collect();
        match rng::pick_weighted(rng, &weights).filter(|_| rng.random_bool(0.9)) {
            Some(i) => self.leaf_in(rng, shopper.tops[i].0),
            None => self.any_leaf(rng),
        }
    }

    /// A leaf of department `top`, by leaf popularity.
    fn leaf_in(&self, rng: &mut Rng, top: usize) -> usize {
        let leaves = &self.taxonomy.tops[top].leaves;
        let weights: Vec<f64> = leaves
            .iter()
            .map(|&l| self.taxonomy.leaves[l].spec.popularity)
            .collect();
        rng::pick_weighted(rng, &weights).map_or(0, |i| leaves[i])
    }

    /// Any leaf, by department weight and leaf popularity.
    pub(crate) fn any_leaf(&self, rng: &mut Rng) -> usize {
        let weights: Vec<f64> = self.taxonomy.tops.iter().map(|t| t.spec.weight).collect();
        let top = rng::pick_weighted(rng, &weights).unwrap_or(0);
        self.leaf_in(rng, top)
    }

    /// The price in `leaf` that sits where product `main` sits in its own leaf (a premium
    /// dress goes with premium heels).
    pub(crate) fn relative_price(&self, main: usize, leaf: usize) -> f64 {
        let meta = &self.catalog.meta[main];
        let own = self.taxonomy.leaves[meta.leaf].spec.base_price;
        let other = self.taxonomy.leaves[leaf].spec.base_price;
        meta.price * other / own.max(0.01)
    }
}
