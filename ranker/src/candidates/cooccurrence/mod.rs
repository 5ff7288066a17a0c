//! Item-item co-occurrence with time-decayed affinity, as in SAR (Simple Algorithm for
//! Recommendation, Microsoft Recommenders).
//!
//! Similarity `S` comes from how many sessions (or users) hold both items, normalised by
//! [`Normalisation`]; affinity `A` is the sum of each user's event weights, each halved every
//! `half_life_secs` before the reference time. A profile's scores are `a · S`.

use serde::{Deserialize, Serialize};

mod ease;
mod fit;
mod ppmi;
mod vectors;

pub use ease::{EaseConfig, EaseModel};
pub(crate) use fit::baskets;
pub use ppmi::{ppmi_rows, sparse_dot};
pub use vectors::{VectorConfig, behaviour_vectors};

use crate::catalog::ItemId;
use crate::error::Result;
use crate::scoring::top_k_indices;

/// How raw co-occurrence counts `c_ij` become similarities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// Raw counts.
    Count,
    /// `c_ij / (c_ii + c_jj − c_ij)`.
    Jaccard,
    /// `c_ij / (c_ii · c_jj)`: favours rare items.
    Lift,
    /// `c_ij / √(c_ii · c_jj)`.
    Cosine,
}

/// One user–item event (a view, purchase or rating).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// The session, user or order the event belongs to (the co-occurrence unit).
    pub user: u32,
    /// The item.
    pub item: ItemId,
    /// Event weight (for example 1 for a view, 3 for a purchase, or a rating).
    pub weight: f32,
    /// When, unix seconds.
    pub at: i64,
}

/// Settings. Defaults: Jaccard, 30-day half-life, reference time = the latest event, pairs
/// seen in at least one session, all neighbours kept.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CooccurrenceConfig {
    /// Similarity normalisation.
    pub normalisation: Normalisation,
    /// Affinity half-life in seconds; `None` disables decay.
    pub half_life_secs: Option<f64>,
    /// Reference time for decay; `None` = the latest interaction.
    pub now: Option<i64>,
    /// Pairs co-occurring in fewer sessions are dropped.
    pub min_count: u32,
    /// Keep only this many neighbours per item (`None` = all).
    pub max_neighbours: Option<usize>,
    /// Also decay co-occurrence: each session counts `2^(−age/half_life)` by its last event, so
    /// last season's sessions fade. SAR does not do this; turn it off to reproduce SAR.
    pub decay_counts: bool,
}

impl Default for CooccurrenceConfig {
    fn default() -> Self {
        Self {
            normalisation: Normalisation::Jaccard,
            half_life_secs: Some(30.0 * 86_400.0),
            now: None,
            min_count: 1,
            max_neighbours: None,
            decay_counts: true,
        }
    }
}

/// A sparse item-item similarity matrix in compressed rows.
#[derive(Debug, Clone, Default)]
pub struct CooccurrenceModel {
    offsets: Vec<usize>,
    neighbours: Vec<ItemId>,
    similarity: Vec<f32>,
}

impl CooccurrenceModel {
    /// Fits the similarity matrix for items `0..n_items`.
    ///
    /// # Errors
    /// [`RankerError::UnknownItem`](crate::RankerError::UnknownItem) for an item outside
    /// `0..n_items`, [`RankerError::NonFinite`](crate::RankerError::NonFinite) for a NaN/inf
    /// weight.
    pub fn fit(
        n_items: usize,
        interactions: &[Interaction],
        config: &CooccurrenceConfig,
    ) -> Result<Self> {
        Self::fit_filtered(n_items, interactions, config, |_, _| true)
    }

    /// Number of items the model was fitted for.
    #[must_use]
    pub fn n_items(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The similarity row of `item` (including itself), sorted by neighbour id; empty if unknown.
    #[must_use]
    pub fn row(&self, item: ItemId) -> (&[ItemId], &[f32]) {
        let i = item.index();
        if i + 1 >= self.offsets.len() {
            return (&[], &[]);
        }
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        (&self.neighbours[a..b], &self.similarity[a..b])
    }

    /// The `k` items most similar to `item` (itself excluded), best first.
    #[must_use]
    pub fn similar(&self, item: ItemId, k: usize) -> Vec<(ItemId, f32)> {
        let (ids, sims) = self.row(item);
        let pairs: Vec<(ItemId, f32)> = ids
            .iter()
            .copied()
            .zip(sims.iter().copied())
            .filter(|(j, _)| *j != item)
            .collect();
        let scores: Vec<f32> = pairs.iter().map(|(_, s)| *s).collect();
        top_k_indices(&scores, k)
            .into_iter()
            .map(|i| pairs[i])
            .collect()
    }

    /// Scores every item as `affinity · S` and returns the best `k`, skipping `exclude`
    /// (typically the items the profile has already seen). Unknown ids in `affinity` are skipped.
    #[must_use]
    pub fn recommend(
        &self,
        affinity: &[(ItemId, f32)],
        k: usize,
        exclude: &[ItemId],
    ) -> Vec<(ItemId, f32)> {
        let mut scores = vec![0.0f32; self.n_items()];
        for (j, a) in affinity {
            let (ids, sims) = self.row(*j);
            for (i, s) in ids.iter().zip(sims) {
                scores[i.index()] += a * s;
            }
        }
        for e in exclude {
            if let Some(s) = scores.get_mut(e.index()) {
                *s = f32::NEG_INFINITY;
            }
        }
        top_k_indices(&scores, k)
            .into_iter()
            .filter(|i| scores[*i] > 0.0)
            .map(|i| (ItemId(u32::try_from(i).unwrap_or(u32::MAX)), scores[i]))
            .collect()
    }
}

/// A profile's affinity per item: the sum of its events' weights, each halved every
/// `half_life_secs` before the reference time (as in SAR). Sorted by item.
#[must_use]
pub fn affinity(events: &[Interaction], config: &CooccurrenceConfig) -> Vec<(ItemId, f32)> {
    let now = config
        .now
        .unwrap_or_else(|| events.iter().map(|e| e.at).max().unwrap_or(0));
    let mut out: Vec<(ItemId, f32)> = events
        .iter()
        .filter(|e| e.weight.is_finite())
        .map(|e| (e.item, e.weight * decay(now, e.at, config.half_life_secs)))
        .collect();
    out.sort_unstable_by_key(|(i, _)| *i);
    out.dedup_by(|b, a| {
        let same = a.0 == b.0;
        if same {
            a.1 += b.1;
        }
        same
    });
    out
}

/// `2^(−age / half_life)`, 1 without decay; future events count as now.
#[must_use]
pub(crate) fn decay(now: i64, at: i64, half_life_secs: Option<f64>) -> f32 {
    half_life_secs
        .filter(|h| *h > 0.0)
        .map_or(1.0, |h| 0.5f64.powf((now - at).max(0) as f64 / h) as f32)
}
