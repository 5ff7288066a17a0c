//! Precomputed lists: for every seed product (product page, cart) and every known shopper
//! profile (home, email), the list the surface policy serves when the session says nothing
//! yet, followed by a reserve of the pool's next-best candidates. Serving re-ranks this list
//! with the last 90 seconds of the session and exploration; without session events it gives
//! back the precomputed order.
//!
//! Pure CPU over data already in memory: the job around it ([`super::lists`]) reads and
//! writes the database.

use std::collections::HashMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::{
    Candidate, CandidatePool, Catalog, Context, ItemId, RankerError, Signals, Surface,
    SurfacePolicy,
};

use super::pools::{StoredCandidate, candidates, restore, to_stored};
use super::store::{GLOBAL_SEED, PRODUCT_SEED, PROFILE_SEED, SeedKey};
use crate::settings::Tuning;
use crate::surface;

/// Items kept per precomputed list: the served modules plus a reserve for the real-time
/// re-rank to draw on.
pub const LIST_LEN: usize = 40;
/// Weight of each older product in a profile's merged pool (the newest has 1).
const PROFILE_DECAY: f32 = 0.8;
/// Weight of the shop-wide pool in a profile's merged pool.
const PROFILE_GLOBAL_WEIGHT: f32 = 0.3;

/// A known shopper: their most recent products, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// `customer:<id>` or `anon:<anonymous id>`.
    pub id: String,
    /// Recently viewed, carted or bought products, newest first.
    pub products: Vec<i64>,
}

/// One computed list and where it belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputedList {
    /// Surface and seed.
    pub key: SeedKey,
    /// Items in served order, then the reserve.
    pub items: Vec<StoredCandidate>,
}

/// Everything the lists are computed from.
pub struct Precomputer<'a> {
    catalog: &'a Catalog,
    /// The shop's settings: one ranker per surface (brand cap, seller share).
    tuning: &'a Tuning,
    /// Per surface, the policy without exploration (that happens per request).
    policies: Vec<(Surface, SurfacePolicy)>,
    pools: &'a HashMap<i64, Vec<StoredCandidate>>,
    global: &'a [StoredCandidate],
    now: i64,
}

impl<'a> Precomputer<'a> {
    /// A precomputer over a model version's pools, under the shop's settings.
    #[must_use]
    pub fn new(
        catalog: &'a Catalog,
        tuning: &'a Tuning,
        pools: &'a HashMap<i64, Vec<StoredCandidate>>,
        global: &'a [StoredCandidate],
        now: i64,
    ) -> Self {
        let policies = surface::PER_PRODUCT
            .into_iter()
            .chain(surface::PER_PROFILE)
            .map(|surface| {
                let mut policy = tuning.policies().get(surface).clone();
                policy.exploration.enabled = false;
                (surface, policy)
            })
            .collect();
        Self {
            catalog,
            tuning,
            policies,
            pools,
            global,
            now,
        }
    }

    /// The product's lists for every per-product surface; none for a product the catalog
    /// does not know (deleted since the pools were built).
    ///
    /// # Errors
    /// [`RankerError`] when the ranker refuses the pool.
    pub fn product(&self, product_id: i64) -> Result<Vec<ComputedList>, RankerError> {
        let Some(seed) = self.catalog.id_of(product_id) else {
            return Ok(Vec::new());
        };
        let own = self
            .pools
            .get(&product_id)
            .filter(|pool| !pool.is_empty())
            .map_or(self.global, Vec::as_slice);
        let pool = restore(self.catalog, own)?;
        self.lists(
            &surface::PER_PRODUCT,
            PRODUCT_SEED,
            &product_id.to_string(),
            &pool,
            &[seed],
        )
    }

    /// The profile's lists: its products' pools merged, newest weighing most, with the
    /// shop-wide pool underneath; the products themselves are not recommended back.
    ///
    /// # Errors
    /// [`RankerError`] when the ranker refuses the pool.
    pub fn profile(&self, profile: &Profile) -> Result<Vec<ComputedList>, RankerError> {
        let mut weight = 1.0;
        let mut parts: Vec<(f32, &[StoredCandidate])> = Vec::new();
        for id in &profile.products {
            if let Some(pool) = self.pools.get(id) {
                parts.push((weight, pool));
            }
            weight *= PROFILE_DECAY;
        }
        parts.push((PROFILE_GLOBAL_WEIGHT, self.global));
        let pool = merge(self.catalog, &parts)?;
        let seeds: Vec<ItemId> = profile
            .products
            .iter()
            .filter_map(|id| self.catalog.id_of(*id))
            .collect();
        self.lists(
            &surface::PER_PROFILE,
            PROFILE_SEED,
            &profile.id,
            &pool,
            &seeds,
        )
    }

    /// The shop-wide lists for shoppers without a profile.
    ///
    /// # Errors
    /// [`RankerError`] when the ranker refuses the pool.
    pub fn global(&self) -> Result<Vec<ComputedList>, RankerError> {
        let pool = restore(self.catalog, self.global)?;
        self.lists(&surface::PER_PROFILE, GLOBAL_SEED, "*", &pool, &[])
    }

    fn lists(
        &self,
        surfaces: &[Surface],
        kind: &str,
        seed_id: &str,
        pool: &CandidatePool,
        seeds: &[ItemId],
    ) -> Result<Vec<ComputedList>, RankerError> {
        surfaces
            .iter()
            .map(|&surface| {
                Ok(ComputedList {
                    key: SeedKey::new(surface::name(surface), kind, seed_id),
                    items: self.list(surface, pool, seeds)?,
                })
            })
            .collect()
    }

    /// The served modules in order, then the best remaining in-stock candidates.
    fn list(
        &self,
        surface: Surface,
        pool: &CandidatePool,
        seeds: &[ItemId],
    ) -> Result<Vec<StoredCandidate>, RankerError> {
        let Some((_, policy)) = self.policies.iter().find(|(s, _)| *s == surface) else {
            return Ok(Vec::new());
        };
        let ctx = Context::new(surface, self.now).with_seeds(seeds.to_vec());
        // Exploration is off, so nothing is drawn; the seed only makes that explicit.
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let rules = self.tuning.rules();
        let signals = Signals::default().with_rules(rules);
        let served = self.tuning.ranker(surface).serve_with(
            self.catalog,
            pool,
            &ctx,
            policy,
            &signals,
            &mut rng,
        )?;
        let by_item: HashMap<ItemId, &Candidate> =
            pool.candidates().iter().map(|c| (c.item, c)).collect();
        let mut chosen: Vec<ItemId> = served.items().map(|i| i.ranked.item).collect();
        let mut reserve: Vec<&Candidate> = pool
            .candidates()
            .iter()
            .filter(|c| !seeds.contains(&c.item) && !chosen.contains(&c.item))
            .filter(|c| {
                self.catalog.item(c.item).is_some_and(|i| {
                    i.in_stock && !rules.excludes(surface, self.now, i.external_id)
                })
            })
            .collect();
        reserve.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
        chosen.extend(reserve.iter().map(|c| c.item));
        Ok(chosen
            .into_iter()
            .take(LIST_LEN)
            .filter_map(|item| to_stored(self.catalog, by_item.get(&item)?))
            .collect())
    }
}

/// Merges weighted stored pools into one (see [`CandidatePool::merge_weighted`]).
fn merge(
    catalog: &Catalog,
    parts: &[(f32, &[StoredCandidate])],
) -> Result<CandidatePool, RankerError> {
    let mut pool = CandidatePool::new();
    for &(weight, stored) in parts {
        pool.merge_weighted(catalog, weight, &candidates(catalog, stored))?;
    }
    Ok(pool)
}
