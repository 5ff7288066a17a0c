//! Candidate pools: the merged output of the generators, with provenance.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, ItemId};
use crate::error::{RankerError, Result};

/// Which generator proposed a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Session co-occurrence (viewed or bought in the same sessions).
    CoOccurrence,
    /// Co-purchase across categories.
    Complement,
    /// Attribute / embedding similarity.
    Content,
    /// Popular with recency decay.
    Popularity,
    /// Recently added to the catalog.
    NewArrival,
    /// Injected by an exploration policy.
    Explore,
    /// In a category that goes with the seed's (the category graph: taxonomy, merchant and
    /// co-purchase pairings): the complements' prior and fallback when orders say little.
    /// Last, so the bits of stored source sets keep their meaning.
    Pairing,
}

impl Source {
    const ALL: [Self; 7] = [
        Self::CoOccurrence,
        Self::Complement,
        Self::Content,
        Self::Popularity,
        Self::NewArrival,
        Self::Explore,
        Self::Pairing,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A small set of [`Source`]s, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct SourceSet(u8);

impl SourceSet {
    /// Whether `source` is in the set.
    #[must_use]
    pub fn contains(self, source: Source) -> bool {
        self.0 & source.bit() != 0
    }

    /// Adds `source`.
    pub fn insert(&mut self, source: Source) {
        self.0 |= source.bit();
    }

    /// The sources in a fixed order.
    pub fn iter(self) -> impl Iterator<Item = Source> {
        Source::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

/// One candidate: an item, its merged relevance in `[0, 1]` and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The item.
    pub item: ItemId,
    /// Merged relevance in `[0, 1]`.
    pub relevance: f32,
    /// Every generator that proposed it.
    pub sources: SourceSet,
    /// The generator that contributed most; drives the item's reason.
    pub primary: Source,
    /// The seed item whose neighbour list gave that strongest contribution (the product a
    /// reason like "Goes with …" names); `None` for shop-wide sources.
    #[serde(default)]
    pub via: Option<ItemId>,
}

/// A merged candidate pool, unique by item, in insertion order.
///
/// To store a pool (the worker precomputes them), serialise [`CandidatePool::candidates`] and
/// rebuild it with [`CandidatePool::from_candidates`], which re-validates.
#[derive(Debug, Clone, Default)]
pub struct CandidatePool {
    candidates: Vec<Candidate>,
    index: HashMap<ItemId, usize>,
    /// Best weighted contribution per candidate, to pick the primary source.
    best: Vec<f32>,
}

impl CandidatePool {
    /// An empty pool.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Merges one generator's scored items into the pool.
    ///
    /// Scores are divided by the generator's maximum so each source is on `[0, 1]`, scaled by
    /// `weight` (in `[0, 1]`), and combined with what the pool already holds by noisy-or
    /// (`1 − Π(1 − wᵢ sᵢ)`): agreement between generators raises relevance, and the result stays
    /// in `[0, 1]`. Negative scores count as 0; an item repeated within `scored` keeps its maximum.
    ///
    /// # Errors
    /// [`RankerError::NonFinite`] for NaN/inf scores, [`RankerError::InvalidParameter`] for a
    /// weight outside `[0, 1]`, [`RankerError::UnknownItem`] for an id not in `catalog`.
    pub fn add_source(
        &mut self,
        catalog: &Catalog,
        source: Source,
        weight: f32,
        scored: &[(ItemId, f32)],
    ) -> Result<()> {
        self.add_seeded(catalog, source, weight, scored, None)
    }

    /// [`CandidatePool::add_source`] for a generator's neighbours of the seed item `via`
    /// (co-occurrence, complements, pairings), which the candidates' reasons name.
    ///
    /// # Errors
    /// As [`CandidatePool::add_source`].
    pub fn add_neighbours(
        &mut self,
        catalog: &Catalog,
        source: Source,
        weight: f32,
        via: ItemId,
        scored: &[(ItemId, f32)],
    ) -> Result<()> {
        self.add_seeded(catalog, source, weight, scored, Some(via))
    }

    fn add_seeded(
        &mut self,
        catalog: &Catalog,
        source: Source,
        weight: f32,
        scored: &[(ItemId, f32)],
        via: Option<ItemId>,
    ) -> Result<()> {
        if !(0.0..=1.0).contains(&weight) {
            return Err(RankerError::InvalidParameter {
                name: "weight",
                reason: "must be in [0,1]",
            });
        }
        let mut max = 0.0f32;
        for (item, score) in scored {
            catalog.check(*item)?;
            max = max.max(crate::error::finite(*score, "candidate score")?);
        }
        let mut merged: HashMap<ItemId, f32> = HashMap::with_capacity(scored.len());
        for (item, score) in scored {
            let normalised = if max > 0.0 {
                (score / max).max(0.0)
            } else {
                0.0
            };
            let slot = merged.entry(*item).or_insert(0.0);
            *slot = slot.max(normalised * weight);
        }
        // Apply in input order (not HashMap order) so pools are deterministic.
        for (item, _) in scored {
            if let Some(contribution) = merged.remove(item) {
                self.merge_one(*item, source, contribution, via);
            }
        }
        Ok(())
    }

    /// Adds candidates that are already merged pools (for example the stored pools of a
    /// shopper's recent products), scaled by `weight` in `[0, 1]`: relevances combine as in
    /// [`CandidatePool::add_source`], sources add up, and the primary source follows the
    /// strongest contribution (and with it the seed it came through).
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] for a weight outside `[0, 1]`,
    /// [`RankerError::UnknownItem`] or a non-finite relevance.
    pub fn merge_weighted(
        &mut self,
        catalog: &Catalog,
        weight: f32,
        candidates: &[Candidate],
    ) -> Result<()> {
        if !(0.0..=1.0).contains(&weight) {
            return Err(RankerError::InvalidParameter {
                name: "weight",
                reason: "must be in [0,1]",
            });
        }
        for c in candidates {
            catalog.check(c.item)?;
            let relevance = crate::error::finite(c.relevance, "relevance")?.clamp(0.0, 1.0);
            self.merge_one(c.item, c.primary, relevance * weight, c.via);
            if let Some(&at) = self.index.get(&c.item) {
                for source in c.sources.iter() {
                    self.candidates[at].sources.insert(source);
                }
            }
        }
        Ok(())
    }

    fn merge_one(&mut self, item: ItemId, source: Source, contribution: f32, via: Option<ItemId>) {
        if let Some(&at) = self.index.get(&item) {
            let c = &mut self.candidates[at];
            c.relevance = 1.0 - (1.0 - c.relevance) * (1.0 - contribution);
            c.sources.insert(source);
            if contribution > self.best[at] {
                self.best[at] = contribution;
                c.primary = source;
                c.via = via;
            }
        } else {
            let mut sources = SourceSet::default();
            sources.insert(source);
            self.index.insert(item, self.candidates.len());
            self.best.push(contribution);
            self.candidates.push(Candidate {
                item,
                relevance: contribution,
                sources,
                primary: source,
                via,
            });
        }
    }

    /// Rebuilds a pool from stored candidates (for example a pool the worker precomputed).
    ///
    /// # Errors
    /// [`RankerError::DuplicateItem`] if an item appears twice, [`RankerError::NonFinite`] for a
    /// NaN/inf relevance, [`RankerError::UnknownItem`] for an id not in `catalog`. Relevance is
    /// clamped to `[0, 1]`.
    pub fn from_candidates(catalog: &Catalog, candidates: Vec<Candidate>) -> Result<Self> {
        let mut pool = Self::new();
        for mut c in candidates {
            let item = catalog.check(c.item)?;
            if pool.index.contains_key(&c.item) {
                return Err(RankerError::DuplicateItem(item.external_id));
            }
            c.relevance = crate::error::finite(c.relevance, "relevance")?.clamp(0.0, 1.0);
            pool.index.insert(c.item, pool.candidates.len());
            pool.best.push(c.relevance);
            pool.candidates.push(c);
        }
        Ok(pool)
    }

    /// The candidates, unique by item.
    #[must_use]
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }

    /// Number of candidates.
    #[must_use]
    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    /// Whether the pool is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }
}
