//! The demo shop's simulated shoppers as a traffic tool sees them: who they are (browser and
//! customer ids, how often they come) and how they react to what a storefront shows them,
//! without the generator's internals.
//!
//! Tastes are the generator's own: a product appeals through the same pull the simulated
//! history was drawn with (popularity, price tier, brand loyalty; see `sessions::walk`),
//! weighted by how much the shopper cares for its department. Reactions on top of that are
//! this module's assumptions, each a named constant: clicks follow position bias × appeal
//! and are rarer on products the shopper has already seen, carts follow appeal, and an
//! engaging visit makes the next one likelier.
//!
//! ```
//! let config = demo::DemoConfig { products: 200, shoppers: 20, sessions: 0, ..Default::default() };
//! let audience = demo::audience::Audience::new(&config);
//! let shopper = audience.shopper(0).unwrap();
//! let product = demo::generate(&config).products[0].id;
//! assert!((0.0..=1.0).contains(&shopper.appeal(product)));
//! ```

use std::collections::HashMap;

use rand_chacha::ChaCha8Rng;

use crate::brands::BrandInfo;
use crate::catalog::Catalog;
use crate::model::{Customer, Product};
use crate::sessions::{self, Walk, World};
use crate::shoppers::Shopper;
use crate::taxonomy::Taxonomy;
use crate::{DemoConfig, Population};

/// Appeal of a product outside the shopper's favourite departments, relative to their
/// favourite: a tenth of the generator's session focus goes anywhere.
const STRAY_DEPARTMENT: f64 = 0.1;
/// Chance that a shopper who examines a recommendation of appeal 1 clicks it.
const CLICK_SCALE: f64 = 0.05;
/// A product the shopper has already seen is clicked this much less often.
const FAMILIAR_DISCOUNT: f64 = 0.3;
/// Chance that a product page of appeal 1 ends in an add to cart.
const CART_SCALE: f64 = 0.3;
/// Chance that a cart is bought at the end of the visit, logged in or not (the generator's
/// logged-in shoppers buy about twice as often).
const PURCHASE_LOGGED_IN: f64 = 0.55;
const PURCHASE_ANONYMOUS: f64 = 0.3;
/// Share of an account holder's visits made logged in (as in the generator).
const LOGGED_IN_SHARE: f64 = 0.85;
/// How an engaging (or dull) visit changes the chance of the next one.
const RETURN_AFTER_ENGAGING: f64 = 1.5;
const RETURN_AFTER_DULL: f64 = 0.7;

/// The shopper population of a demo shop, with the catalog they react to.
#[derive(Debug)]
pub struct Audience {
    taxonomy: Taxonomy,
    brands: Vec<BrandInfo>,
    catalog: Catalog,
    shoppers: Vec<Shopper>,
    customers: Vec<Customer>,
    /// Product id → catalog index.
    index: HashMap<i64, usize>,
    /// The median pull of an active product: the pull that makes appeal one half.
    typical_pull: f64,
    /// "Now" of the config: products created later are not for sale yet.
    now: i64,
}

impl Audience {
    /// The shoppers and catalog [`crate::generate`] builds for `config` (same seed, same
    /// ids), without simulating any sessions.
    #[must_use]
    pub fn new(config: &DemoConfig) -> Self {
        let Population {
            taxonomy,
            brands,
            catalog,
            shoppers,
            customers,
        } = Population::draw(config);
        let index = catalog
            .products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let mut audience = Self {
            taxonomy,
            brands,
            catalog,
            shoppers,
            customers,
            index,
            typical_pull: 0.0,
            now: config.now,
        };
        audience.typical_pull = audience.median_pull();
        audience
    }

    /// Number of shoppers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shoppers.len()
    }

    /// Whether there are no shoppers.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.shoppers.is_empty()
    }

    /// Shopper `index` (`0..len()`), or `None`.
    #[must_use]
    pub fn shopper(&self, index: usize) -> Option<Member<'_>> {
        self.shoppers.get(index).map(|shopper| Member {
            audience: self,
            shopper,
        })
    }

    /// The products on sale (active), the catalog a storefront can show.
    #[must_use]
    pub fn active_products(&self) -> usize {
        self.catalog.by_leaf.iter().map(Vec::len).sum()
    }

    /// The product with Shopify id `id`, or `None`.
    #[must_use]
    pub fn product(&self, id: i64) -> Option<&Product> {
        self.index.get(&id).map(|&i| &self.catalog.products[i])
    }

    fn world(&self) -> World<'_> {
        World {
            taxonomy: &self.taxonomy,
            brands: &self.brands,
            catalog: &self.catalog,
            shoppers: &self.shoppers,
        }
    }

    /// The median over active products of a generic shopper's pull (no brand loyalty, the
    /// product's own tier), so appeal is scaled to the catalog's popularity curve.
    fn median_pull(&self) -> f64 {
        let mut pulls: Vec<f64> = self
            .catalog
            .by_leaf
            .iter()
            .flatten()
            .map(|&p| self.catalog.meta[p].attractiveness)
            .collect();
        pulls.sort_by(f64::total_cmp);
        pulls.get(pulls.len() / 2).copied().unwrap_or(1.0)
    }
}

/// One shopper of an [`Audience`].
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    audience: &'a Audience,
    shopper: &'a Shopper,
}

impl<'a> Member<'a> {
    /// The audience the shopper belongs to.
    #[must_use]
    pub fn audience(&self) -> &'a Audience {
        self.audience
    }

    /// The shopper's usual browser id.
    #[must_use]
    pub fn anonymous_id(&self) -> &'a str {
        &self.shopper.anonymous_id
    }

    /// The shopper's customer account, if they have one.
    #[must_use]
    pub fn customer_id(&self) -> Option<i64> {
        self.shopper
            .customer
            .and_then(|i| self.audience.customers.get(i))
            .map(|c| c.id)
    }

    /// Whether an account holder logs in on this visit (most visits; never without one).
    pub fn logs_in(&self, rng: &mut ChaCha8Rng) -> bool {
        self.customer_id().is_some() && draw(rng) < LOGGED_IN_SHARE
    }

    /// Relative number of visits (heavy-tailed, median 1).
    #[must_use]
    pub fn activity(&self) -> f64 {
        self.shopper.activity
    }

    /// How much product `product_id` appeals to the shopper, in `[0, 1)`: the generator's
    /// pull (popularity, price tier, brand loyalty) saturating at the catalog's median,
    /// times the weight of the product's department among the shopper's favourites. Zero
    /// for an unknown product.
    #[must_use]
    pub fn appeal(&self, product_id: i64) -> f64 {
        let audience = self.audience;
        let Some(&p) = audience.index.get(&product_id) else {
            return 0.0;
        };
        let pull = sessions::pull(&audience.world(), self.shopper, p);
        let top = audience.taxonomy.leaves[audience.catalog.meta[p].leaf].top;
        let strongest = self.shopper.tops.first().map_or(1.0, |&(_, w)| w);
        let department = self
            .shopper
            .tops
            .iter()
            .find(|&&(t, _)| t == top)
            .map_or(STRAY_DEPARTMENT, |&(_, w)| w / strongest.max(f64::EPSILON));
        department * pull / (pull + audience.typical_pull.max(f64::EPSILON))
    }

    /// Chance of clicking `product_id` shown at `position` (1 = first on the page): the
    /// chance the position is examined (1 / log2(position + 1)) times appeal, less for a
    /// product the shopper has already seen (`familiar`).
    #[must_use]
    pub fn click_probability(&self, product_id: i64, position: usize, familiar: bool) -> f64 {
        let examined = 1.0 / (position.max(1) as f64 + 1.0).log2();
        let novelty = if familiar { FAMILIAR_DISCOUNT } else { 1.0 };
        CLICK_SCALE * examined * novelty * self.appeal(product_id)
    }

    /// Chance that the shopper adds `product_id` to the cart on its product page.
    #[must_use]
    pub fn add_to_cart_probability(&self, product_id: i64) -> f64 {
        CART_SCALE * self.appeal(product_id)
    }

    /// Chance that a filled cart is bought at the end of the visit.
    #[must_use]
    pub fn purchase_probability(&self, logged_in: bool) -> f64 {
        if logged_in {
            PURCHASE_LOGGED_IN
        } else {
            PURCHASE_ANONYMOUS
        }
    }

    /// How the chance of another visit changes after this one, `engaged` or not.
    #[must_use]
    pub fn return_factor(&self, engaged: bool) -> f64 {
        if engaged {
            RETURN_AFTER_ENGAGING
        } else {
            RETURN_AFTER_DULL
        }
    }

    /// A product the shopper finds on their own (navigation, search), chosen as the
    /// generator's sessions choose: a leaf of a favourite department, then a product by
    /// pull. `None` when nothing is on sale.
    pub fn browse(&self, rng: &mut ChaCha8Rng) -> Option<i64> {
        let world = self.audience.world();
        let leaf = world.leaf_for(rng, self.shopper);
        let mut walk = Walk::new(&world, self.shopper, self.audience.now, leaf);
        let p = walk.view(rng, leaf, None, false)?;
        Some(self.audience.catalog.products[p].id)
    }
}

/// A uniform draw in `[0, 1)`.
fn draw(rng: &mut ChaCha8Rng) -> f64 {
    rand::Rng::random(rng)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng as _;

    use super::*;

    fn audience() -> Audience {
        Audience::new(&DemoConfig {
            products: 400,
            shoppers: 60,
            sessions: 0,
            ..DemoConfig::default()
        })
    }

    #[test]
    fn shoppers_and_products_are_the_generated_shops() {
        let config = DemoConfig {
            products: 400,
            shoppers: 60,
            sessions: 500,
            ..DemoConfig::default()
        };
        let (audience, shop) = (Audience::new(&config), crate::generate(&config));
        assert_eq!(audience.len(), 60);
        for product in &shop.products {
            assert_eq!(audience.product(product.id), Some(product));
        }
        let customers: Vec<i64> = (0..audience.len())
            .filter_map(|i| audience.shopper(i)?.customer_id())
            .collect();
        assert_eq!(
            customers,
            shop.customers.iter().map(|c| c.id).collect::<Vec<_>>()
        );
        // Sessions mostly carry their shopper's usual browser id.
        let known = shop
            .sessions
            .iter()
            .filter(|s| {
                (0..audience.len()).any(|i| {
                    audience
                        .shopper(i)
                        .is_some_and(|m| m.anonymous_id() == s.anonymous_id)
                })
            })
            .count();
        assert!(known * 10 > shop.sessions.len() * 7, "{known}");
    }

    #[test]
    fn favourite_departments_appeal_more_than_others() {
        let audience = audience();
        let (mut favourite, mut other) = ((0.0, 0), (0.0, 0));
        for i in 0..audience.len() {
            let member = audience.shopper(i).unwrap();
            let tops: Vec<usize> = member.shopper.tops.iter().map(|&(t, _)| t).collect();
            for (p, product) in audience.catalog.products.iter().enumerate() {
                let appeal = member.appeal(product.id);
                assert!((0.0..1.0).contains(&appeal), "{appeal}");
                let top = audience.taxonomy.leaves[audience.catalog.meta[p].leaf].top;
                let sum = if tops.contains(&top) {
                    &mut favourite
                } else {
                    &mut other
                };
                sum.0 += appeal;
                sum.1 += 1;
            }
        }
        let mean = |(s, n): (f64, i32)| s / f64::from(n.max(1));
        assert!(
            mean(favourite) > 3.0 * mean(other),
            "{favourite:?} {other:?}"
        );
        assert_eq!(
            audience.shopper(0).unwrap().appeal(1),
            0.0,
            "unknown product"
        );
    }

    #[test]
    fn clicks_fall_with_position_and_familiarity() {
        let audience = audience();
        let member = audience.shopper(3).unwrap();
        let product = member.browse(&mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        let first = member.click_probability(product, 1, false);
        assert!(first > 0.0);
        assert!(member.click_probability(product, 8, false) < first / 2.0);
        assert!(member.click_probability(product, 1, true) < first / 2.0);
        assert!(member.add_to_cart_probability(product) > first);
        assert!(member.return_factor(true) > member.return_factor(false));
    }

    #[test]
    fn browsing_follows_taste_and_repeats_for_a_seed() {
        let audience = audience();
        let member = audience.shopper(5).unwrap();
        let run = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..200)
                .filter_map(|_| member.browse(&mut rng))
                .collect::<Vec<_>>()
        };
        let picks = run(9);
        assert_eq!(picks, run(9));
        assert_eq!(picks.len(), 200);
        // What a shopper browses to appeals more than the catalog on average.
        let browsed: f64 = picks.iter().map(|&p| member.appeal(p)).sum::<f64>() / 200.0;
        let catalog: f64 = audience
            .catalog
            .products
            .iter()
            .map(|p| member.appeal(p.id))
            .sum::<f64>()
            / audience.catalog.products.len() as f64;
        assert!(browsed > 2.0 * catalog, "{browsed} vs {catalog}");
    }
}
