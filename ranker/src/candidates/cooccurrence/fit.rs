//! Fitting the sparse co-occurrence matrix, one item row at a time.

use super::{CooccurrenceConfig, CooccurrenceModel, Interaction, Normalisation, decay};
use crate::catalog::ItemId;
use crate::error::{RankerError, Result, finite};
use crate::scoring::top_k_indices;

/// Interactions grouped by user: each user's distinct items, sorted, and the user's last time.
pub(crate) fn baskets(
    n_items: usize,
    interactions: &[Interaction],
) -> Result<Vec<(i64, Vec<u32>)>> {
    let mut users: Vec<(u32, u32, i64)> = Vec::with_capacity(interactions.len());
    for e in interactions {
        if e.item.index() >= n_items {
            return Err(RankerError::UnknownItem(e.item));
        }
        finite(e.weight, "interaction weight")?;
        users.push((e.user, e.item.0, e.at));
    }
    users.sort_unstable();
    let mut out: Vec<(i64, Vec<u32>)> = Vec::new();
    let mut last = None;
    for (user, item, at) in users {
        if last != Some(user) {
            out.push((at, Vec::new()));
            last = Some(user);
        }
        if let Some((latest, basket)) = out.last_mut() {
            *latest = (*latest).max(at);
            if basket.last() != Some(&item) {
                basket.push(item);
            }
        }
    }
    Ok(out)
}

/// Scratch space for accumulating one row's co-occurrence counts without clearing `n` slots.
struct Accumulator {
    counts: Vec<u32>,
    mass: Vec<f32>,
    touched: Vec<u32>,
}

impl Accumulator {
    fn new(n_items: usize) -> Self {
        Self {
            counts: vec![0; n_items],
            mass: vec![0.0; n_items],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, j: u32, w: f32) {
        if self.counts[j as usize] == 0 {
            self.touched.push(j);
        }
        self.counts[j as usize] += 1;
        self.mass[j as usize] += w;
    }

    /// The touched items in id order with (count, decayed mass); resets the scratch space.
    fn drain(&mut self) -> Vec<(u32, u32, f32)> {
        self.touched.sort_unstable();
        let out = self
            .touched
            .iter()
            .map(|&j| {
                let entry = (j, self.counts[j as usize], self.mass[j as usize]);
                self.counts[j as usize] = 0;
                self.mass[j as usize] = 0.0;
                entry
            })
            .collect();
        self.touched.clear();
        out
    }
}

impl CooccurrenceModel {
    /// Like [`CooccurrenceModel::fit`], keeping only pairs for which `keep(i, j)` holds.
    pub(crate) fn fit_filtered(
        n_items: usize,
        interactions: &[Interaction],
        config: &CooccurrenceConfig,
        keep: impl Fn(ItemId, ItemId) -> bool,
    ) -> Result<Self> {
        let baskets = baskets(n_items, interactions)?;
        let now = config
            .now
            .unwrap_or_else(|| baskets.iter().map(|b| b.0).max().unwrap_or(0));
        let half_life = config.half_life_secs.filter(|_| config.decay_counts);
        let weight: Vec<f32> = baskets
            .iter()
            .map(|(at, _)| decay(now, *at, half_life))
            .collect();
        // Item → baskets holding it, so each row is built from the baskets that matter.
        let mut holders: Vec<Vec<u32>> = vec![Vec::new(); n_items];
        for (b, (_, items)) in baskets.iter().enumerate() {
            for &i in items {
                holders[i as usize].push(u32::try_from(b).unwrap_or(u32::MAX));
            }
        }
        let diag: Vec<f32> = holders
            .iter()
            .map(|h| h.iter().map(|b| weight[*b as usize]).sum())
            .collect();
        let mut model = Self {
            offsets: vec![0],
            ..Self::default()
        };
        let mut acc = Accumulator::new(n_items);
        let mut row: Vec<(ItemId, f32)> = Vec::new();
        for i in 0..n_items {
            for &b in &holders[i] {
                let w = weight[b as usize];
                baskets[b as usize].1.iter().for_each(|&j| acc.add(j, w));
            }
            row.clear();
            let a = ItemId(u32::try_from(i).unwrap_or(u32::MAX));
            for (j, c, m) in acc.drain() {
                let b = ItemId(j);
                if c >= config.min_count && keep(a, b) {
                    let s = normalise(config.normalisation, m, diag[i], diag[j as usize]);
                    row.push((b, s));
                }
            }
            model.push_row(&mut row, config.max_neighbours);
        }
        Ok(model)
    }

    fn push_row(&mut self, row: &mut Vec<(ItemId, f32)>, max: Option<usize>) {
        if let Some(max) = max
            && row.len() > max
        {
            let scores: Vec<f32> = row.iter().map(|(_, s)| *s).collect();
            let mut keep = top_k_indices(&scores, max);
            keep.sort_unstable();
            *row = keep.into_iter().map(|i| row[i]).collect();
        }
        for (j, s) in row.iter() {
            self.neighbours.push(*j);
            self.similarity.push(*s);
        }
        self.offsets.push(self.neighbours.len());
    }
}

fn normalise(kind: Normalisation, c: f32, ci: f32, cj: f32) -> f32 {
    let s = match kind {
        Normalisation::Count => c,
        Normalisation::Jaccard => c / (ci + cj - c),
        Normalisation::Lift => c / (ci * cj),
        Normalisation::Cosine => c / (ci * cj).sqrt(),
    };
    // Fully decayed sessions can leave 0/0; such pairs carry no evidence.
    if s.is_finite() { s } else { 0.0 }
}
