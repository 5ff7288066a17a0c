//! Item-item similarity for the re-rankers, on a compact per-shortlist layout.

use serde::{Deserialize, Serialize};

use crate::catalog::{AttributeId, Catalog, ItemId};
use crate::error::{RankerError, Result};
use crate::tiles::Tiles;

/// Weights of the similarity kernels. Defaults: category 0.35, parent category 0.15, brand 0.15,
/// attributes 0.10, embedding 0.25, price band 0 (on where a list should span price levels,
/// as generic searches do). Normalised on use so `sim(i, i) = 1`.
///
/// Each kernel (same leaf category, same parent, same brand, attribute-set Tanimoto, embedding
/// cosine, same price band) is positive semi-definite, so any non-negative mix is too — which
/// the DPP needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimilarityConfig {
    /// Same leaf category.
    pub category: f32,
    /// Same parent category.
    pub parent: f32,
    /// Same brand.
    pub brand: f32,
    /// Tanimoto (Jaccard) overlap of attribute sets.
    pub attributes: f32,
    /// Cosine of embeddings (ignored when the catalog has none).
    pub embedding: f32,
    /// Same price band (prices within a factor of [`PRICE_BAND_RATIO`] share a band).
    #[serde(default)]
    pub price: f32,
}

/// Each price band spans this factor, in any currency unit (… 6.6–10.5, 10.5–16.8,
/// 16.8–26.8 …: powers of 1.6), so a band reads as "about the same price" at every price
/// level.
pub const PRICE_BAND_RATIO: f32 = 1.6;

impl Default for SimilarityConfig {
    fn default() -> Self {
        Self {
            category: 0.35,
            parent: 0.15,
            brand: 0.15,
            attributes: 0.10,
            embedding: 0.25,
            price: 0.0,
        }
    }
}

impl SimilarityConfig {
    /// Checks the weights are finite, non-negative and not all zero.
    ///
    /// # Errors
    /// [`RankerError::InvalidParameter`] otherwise.
    pub fn validate(&self) -> Result<()> {
        let all = [
            self.category,
            self.parent,
            self.brand,
            self.attributes,
            self.embedding,
            self.price,
        ];
        if all.iter().any(|w| !w.is_finite() || *w < 0.0) || all.iter().sum::<f32>() <= 0.0 {
            return Err(RankerError::InvalidParameter {
                name: "similarity",
                reason: "weights must be finite, non-negative and not all zero",
            });
        }
        Ok(())
    }
}

const NONE: u32 = u32::MAX;

/// The shortlist's similarity data laid out flat, so the inner loops touch few cache lines.
#[derive(Debug)]
pub(crate) struct SimSpace<'a> {
    category: Vec<u32>,
    parent: Vec<u32>,
    brand: Vec<u32>,
    attributes: Vec<&'a [AttributeId]>,
    /// The catalog's embedding rows (empty slices when absent), for pairwise similarities.
    rows: Vec<&'a [f32]>,
    /// A tiled copy for [`SimSpace::sims_to`]; empty for a pairwise-only space.
    embeddings: Tiles,
    /// Price band per row ([`NONE`] without a price).
    price: Vec<u32>,
    w: [f32; 6],
}

impl<'a> SimSpace<'a> {
    /// Lays out `items` for batched [`SimSpace::sims_to`] (all must be in `catalog`; unknown ones
    /// get neutral data).
    pub(crate) fn new(catalog: &'a Catalog, items: &[ItemId], cfg: &SimilarityConfig) -> Self {
        Self::layout(catalog, items, cfg, true)
    }

    /// Lays out `items` for pairwise [`SimSpace::sim`] only: no tiled copy of the embeddings, so
    /// set-up is a few microseconds (the lazy DPP touches only a few rows).
    pub(crate) fn pairwise(catalog: &'a Catalog, items: &[ItemId], cfg: &SimilarityConfig) -> Self {
        Self::layout(catalog, items, cfg, false)
    }

    fn layout(catalog: &'a Catalog, items: &[ItemId], cfg: &SimilarityConfig, tiled: bool) -> Self {
        let dim = if cfg.embedding > 0.0 {
            catalog.dim()
        } else {
            0
        };
        let mut w = [
            cfg.category,
            cfg.parent,
            cfg.brand,
            cfg.attributes,
            if dim > 0 { cfg.embedding } else { 0.0 },
            cfg.price,
        ];
        let sum: f32 = w.iter().sum();
        let sum = if sum > 0.0 { sum } else { 1.0 };
        w.iter_mut().for_each(|x| *x /= sum);
        let mut space = Self {
            category: Vec::with_capacity(items.len()),
            parent: Vec::with_capacity(items.len()),
            brand: Vec::with_capacity(items.len()),
            attributes: Vec::with_capacity(items.len()),
            rows: Vec::with_capacity(items.len()),
            embeddings: Tiles::new(dim),
            price: Vec::with_capacity(items.len()),
            w,
        };
        let zeros = vec![0.0; dim];
        for id in items {
            let item = catalog.item(*id);
            space.category.push(item.map_or(NONE, |i| i.category.0));
            let parent = item.and_then(|i| catalog.categories().parent(i.category));
            space.parent.push(parent.map_or(NONE, |p| p.0));
            space
                .brand
                .push(item.and_then(|i| i.brand).map_or(NONE, |b| b.0));
            space.price.push(item.map_or(NONE, |i| price_band(i.price)));
            space
                .attributes
                .push(item.map_or(&[], |i| i.attributes.as_slice()));
            let row = if dim > 0 {
                catalog.embedding_row(*id)
            } else {
                None
            };
            space.rows.push(row.unwrap_or(&[]));
            if tiled {
                space.embeddings.push(row.unwrap_or(&zeros));
            }
        }
        space
    }

    /// Number of items laid out.
    pub(crate) fn len(&self) -> usize {
        self.category.len()
    }

    /// Similarity of rows `i` and `j` in `[-1, 1]` (only embeddings can make it negative); 1 on the
    /// diagonal. Keeping the raw (possibly negative) cosine keeps the kernel PSD for the DPP.
    /// Also the reference for the batched [`SimSpace::sims_to`].
    pub(crate) fn sim(&self, i: usize, j: usize) -> f32 {
        if i == j {
            return 1.0;
        }
        let eq = |a: u32, b: u32| if a == b && a != NONE { 1.0 } else { 0.0 };
        let mut s = self.w[0] * eq(self.category[i], self.category[j])
            + self.w[1] * eq(self.parent[i], self.parent[j])
            + self.w[2] * eq(self.brand[i], self.brand[j])
            + self.w[5] * eq(self.price[i], self.price[j]);
        if self.w[3] > 0.0 {
            s += self.w[3] * tanimoto(self.attributes[i], self.attributes[j]);
        }
        if self.w[4] > 0.0 {
            s += self.w[4] * crate::catalog::dot(self.rows[i], self.rows[j]);
        }
        s
    }
}

impl SimSpace<'_> {
    /// Writes `sim(i, p)` for every row `i` into `out` (length [`SimSpace::len`]).
    ///
    /// One pass per kernel over contiguous arrays: this is the re-rankers' inner loop, and doing
    /// it row by row costs several times more.
    /// On a pairwise-only space ([`SimSpace::pairwise`]) the embedding part falls back to plain
    /// dot products (correct, slower).
    pub(crate) fn sims_to(&self, p: usize, out: &mut [f32]) {
        let n = self.len().min(out.len());
        let out = &mut out[..n];
        // One fused pass for the three identity kernels; a missing id (NONE) gets weight 0.
        let key = |xs: &[u32], w: f32| {
            if xs[p] == NONE {
                (NONE, 0.0)
            } else {
                (xs[p], w)
            }
        };
        let (c, wc) = key(&self.category, self.w[0]);
        let (a, wa) = key(&self.parent, self.w[1]);
        let (b, wb) = key(&self.brand, self.w[2]);
        let (v, wv) = key(&self.price, self.w[5]);
        let rows = out
            .iter_mut()
            .zip(&self.category)
            .zip(&self.parent)
            .zip(&self.brand)
            .zip(&self.price);
        for ((((o, ci), ai), bi), vi) in rows {
            let hit = |x: u32, y: u32, w: f32| if x == y { w } else { 0.0 };
            *o = hit(*ci, c, wc) + hit(*ai, a, wa) + hit(*bi, b, wb) + hit(*vi, v, wv);
        }
        if self.w[3] > 0.0 && !self.attributes[p].is_empty() {
            for (o, attrs) in out.iter_mut().zip(&self.attributes) {
                *o += self.w[3] * tanimoto(attrs, self.attributes[p]);
            }
        }
        if self.w[4] > 0.0 {
            let query = self.rows[p];
            if self.embeddings.len() == self.len() {
                self.embeddings.add_dots(query, self.w[4], out);
            } else {
                for (o, row) in out.iter_mut().zip(&self.rows) {
                    *o += self.w[4] * crate::catalog::dot(row, query);
                }
            }
        }
        out[p] = 1.0;
    }
}

/// The price band of `price` (geometric, by [`PRICE_BAND_RATIO`]); [`NONE`] for no price.
fn price_band(price: f32) -> u32 {
    if price.is_finite() && price > 0.0 {
        // Prices from 0.01 up: shifting by 100 bands keeps every band index positive.
        #[expect(clippy::cast_possible_truncation, reason = "a small band index")]
        let band = (price.ln() / PRICE_BAND_RATIO.ln()).floor() as i32 + 100;
        u32::try_from(band).unwrap_or(NONE)
    } else {
        NONE
    }
}

/// |A ∩ B| / |A ∪ B| of two sorted, deduplicated sets (0 for two empty sets).
pub(crate) fn tanimoto(a: &[AttributeId], b: &[AttributeId]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0u32);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = (a.len() + b.len()) as f32 - both as f32;
    let both = both as f32;
    both / union
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, ItemSpec};

    #[test]
    fn batched_similarities_equal_pairwise_ones_and_the_diagonal_is_one() {
        let mut b = Catalog::builder(3);
        let (Some(x), Some(y)) = (b.category(&["A", "x"]), b.category(&["A", "y"])) else {
            panic!("non-empty paths");
        };
        let brand = b.brand("n");
        let attrs = vec![b.attribute("red"), b.attribute("wool")];
        let specs = [
            ItemSpec::new(1, x)
                .brand(brand)
                .embedding(vec![1.0, 0.0, 0.0])
                .attributes(attrs.clone()),
            ItemSpec::new(2, x)
                .embedding(vec![0.5, 0.5, 0.0])
                .attributes(attrs[..1].to_vec()),
            ItemSpec::new(3, y).brand(brand).price(99.0),
        ];
        let ids: Vec<ItemId> = specs
            .into_iter()
            .filter_map(|s| b.add_item(s).ok())
            .collect();
        let catalog = b.build();
        let cfg = SimilarityConfig {
            price: 0.2,
            ..SimilarityConfig::default()
        };
        let space = SimSpace::new(&catalog, &ids, &cfg);
        let mut out = vec![0.0; 3];
        for p in 0..3 {
            space.sims_to(p, &mut out);
            for (i, got) in out.iter().enumerate() {
                assert!((got - space.sim(i, p)).abs() < 1e-6, "{i} {p}");
            }
            assert_eq!(out[p], 1.0);
        }
    }

    #[test]
    fn prices_within_the_band_ratio_share_a_band() {
        assert_eq!(price_band(11.0), price_band(16.0));
        assert_ne!(
            price_band(16.0),
            price_band(17.0),
            "the band edge is 1.6^6 = 16.78"
        );
        assert_ne!(price_band(100.0), price_band(10.0));
        assert_eq!(price_band(0.0), NONE);
        assert_eq!(price_band(f32::NAN), NONE);
    }

    #[test]
    fn the_price_kernel_only_counts_when_weighted() {
        let mut b = Catalog::builder(0);
        let Some(x) = b.category(&["A", "x"]) else {
            panic!("non-empty path");
        };
        let ids: Vec<ItemId> = [
            ItemSpec::new(1, x).price(20.0),
            ItemSpec::new(2, x).price(21.0),
        ]
        .into_iter()
        .filter_map(|s| b.add_item(s).ok())
        .collect();
        let catalog = b.build();
        let plain = SimSpace::pairwise(&catalog, &ids, &SimilarityConfig::default());
        let priced = SimilarityConfig {
            price: 0.5,
            ..SimilarityConfig::default()
        };
        let priced = SimSpace::pairwise(&catalog, &ids, &priced);
        // Same leaf and parent; with the price kernel the shared band adds its share.
        assert!(priced.sim(0, 1) > plain.sim(0, 1));
    }
}
