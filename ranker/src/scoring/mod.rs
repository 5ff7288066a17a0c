//! Blended scoring: five features in `[0, 1]`, a validated weighted sum, bounded top-k selection.

use serde::{Deserialize, Serialize};

use crate::candidates::{Candidate, Source, SourceSet};
use crate::catalog::{Catalog, ItemId, dot};
use crate::error::{RankerError, Result};
use crate::intent::Intent;
pub use crate::select::top_k_indices;
use crate::tiles::Tiles;

mod weights;
pub use weights::Weights;

/// The five normalised features of one item, each in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ScoreComponents {
    /// Generator relevance.
    pub relevance: f32,
    /// Session intent match.
    pub intent: f32,
    /// Margin fraction.
    pub margin: f32,
    /// Inventory health.
    pub inventory: f32,
    /// Freshness: halves every [`NOVELTY_HALF_LIFE_DAYS`] days since creation.
    pub novelty: f32,
}

impl ScoreComponents {
    /// The weighted sum.
    #[must_use]
    pub fn blend(&self, w: &Weights) -> f32 {
        w.relevance * self.relevance
            + w.intent * self.intent
            + w.margin * self.margin
            + w.inventory * self.inventory
            + w.novelty * self.novelty
    }
}

/// Half-life of the novelty feature, in days.
pub const NOVELTY_HALF_LIFE_DAYS: f32 = 30.0;

/// One scored candidate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// The item.
    pub item: ItemId,
    /// Blended score in `[0, 1]`.
    pub score: f32,
    /// The features behind it.
    pub components: ScoreComponents,
    /// Generators that proposed it.
    pub sources: SourceSet,
    /// The main generator (drives the reason).
    pub primary: Source,
    /// The seed the main generator proposed it for (see [`Candidate::via`]).
    pub via: Option<ItemId>,
}

/// Where a row came from: every generator, the main one, and the seed it came through.
pub type Provenance = (SourceSet, Source, Option<ItemId>);

/// Features of many candidates as struct-of-arrays, so blending is one tight, vectorisable loop.
#[derive(Debug, Clone, Default)]
pub struct FeatureTable {
    items: Vec<ItemId>,
    sources: Vec<Provenance>,
    relevance: Vec<f32>,
    intent: Vec<f32>,
    margin: Vec<f32>,
    inventory: Vec<f32>,
    novelty: Vec<f32>,
    /// The rows' embeddings, tiled on first use by [`FeatureTable::relevance_from_embedding`].
    tiles: Option<Tiles>,
}

/// Replaces NaN/inf with 0 and clamps to `[0, 1]` — the documented fallback for bad features, so a
/// single broken value can neither panic nor win the ranking.
fn unit(x: f32) -> f32 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

impl FeatureTable {
    /// Computes features for `candidates` (unknown ids are skipped) at time `now`.
    pub fn build<'a>(
        catalog: &Catalog,
        candidates: impl IntoIterator<Item = &'a Candidate>,
        intent: &Intent,
        now: i64,
    ) -> Self {
        let mut table = Self::default();
        for c in candidates {
            let Some(item) = catalog.item(c.item) else {
                continue;
            };
            let age_days = (now - item.created_at).max(0) as f32 / 86_400.0;
            let components = ScoreComponents {
                relevance: c.relevance,
                intent: intent.match_score(catalog, item),
                margin: item.margin,
                inventory: item.inventory_health,
                novelty: 0.5f32.powf(age_days / NOVELTY_HALF_LIFE_DAYS),
            };
            table.push(c.item, (c.sources, c.primary, c.via), components);
        }
        table
    }

    /// Appends one row; features are sanitised with the NaN→0, clamp-to-`[0, 1]` fallback.
    pub fn push(&mut self, item: ItemId, sources: Provenance, f: ScoreComponents) {
        self.items.push(item);
        self.sources.push(sources);
        self.relevance.push(unit(f.relevance));
        self.intent.push(unit(f.intent));
        self.margin.push(unit(f.margin));
        self.inventory.push(unit(f.inventory));
        self.novelty.push(unit(f.novelty));
    }

    /// Number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sets relevance to the cosine similarity between `query` and each row's embedding
    /// (negative similarity counts as 0; rows without an embedding get 0).
    ///
    /// The first call lays out a tiled copy of the rows' embeddings (O(rows · dim), kept in the
    /// table); later calls stream it at memory speed, which is what per-request scoring wants.
    ///
    /// # Errors
    /// [`RankerError::DimensionMismatch`] if `query` does not have the catalog's dimension,
    /// [`RankerError::NonFinite`] if it holds NaN/inf.
    pub fn relevance_from_embedding(&mut self, catalog: &Catalog, query: &[f32]) -> Result<()> {
        if query.len() != catalog.dim() || catalog.dim() == 0 {
            return Err(RankerError::DimensionMismatch {
                expected: catalog.dim(),
                found: query.len(),
            });
        }
        let norm = dot(query, query).sqrt();
        if !norm.is_finite() {
            return Err(RankerError::NonFinite {
                field: "query embedding",
            });
        }
        let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        let stale = self
            .tiles
            .as_ref()
            .is_none_or(|t| t.len() != self.items.len());
        if stale {
            let mut tiles = Tiles::new(catalog.dim());
            for item in &self.items {
                tiles.push(catalog.embedding_row(*item).unwrap_or(&[]));
            }
            self.tiles = Some(tiles);
        }
        self.relevance.fill(0.0);
        if let Some(tiles) = &self.tiles {
            tiles.add_dots(query, scale, &mut self.relevance);
        }
        self.relevance.iter_mut().for_each(|r| *r = unit(*r));
        Ok(())
    }

    /// Row `i`'s components.
    fn components(&self, i: usize) -> ScoreComponents {
        ScoreComponents {
            relevance: self.relevance[i],
            intent: self.intent[i],
            margin: self.margin[i],
            inventory: self.inventory[i],
            novelty: self.novelty[i],
        }
    }

    /// Blended scores of every row, in row order.
    #[must_use]
    pub fn blend(&self, w: &Weights) -> Vec<f32> {
        let n = self.len();
        let (r, i, m, v, o) = (
            &self.relevance[..n],
            &self.intent[..n],
            &self.margin[..n],
            &self.inventory[..n],
            &self.novelty[..n],
        );
        (0..n)
            .map(|j| {
                w.relevance * r[j]
                    + w.intent * i[j]
                    + w.margin * m[j]
                    + w.inventory * v[j]
                    + w.novelty * o[j]
            })
            .collect()
    }

    /// The `k` best rows by blended score, best first (ties: earlier row first).
    #[must_use]
    pub fn top_k(&self, w: &Weights, k: usize) -> Vec<Scored> {
        let scores = self.blend(w);
        top_k_indices(&scores, k)
            .into_iter()
            .map(|i| Scored {
                item: self.items[i],
                score: scores[i],
                components: self.components(i),
                sources: self.sources[i].0,
                primary: self.sources[i].1,
                via: self.sources[i].2,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
