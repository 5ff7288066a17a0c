//! Session intent: what the shopper is after right now, from the last 90 seconds of events.
//!
//! Intent is a dominant category (the deepest category that holds most of the recent, decayed
//! event weight), a brand if one dominates, and a price band. Re-rankers use it to diversify
//! *within* the intent: they vary brands, sub-categories and styles, but do not wander off to
//! unrelated categories while the shopper is clearly focused.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{BrandId, Catalog, CategoryId, Item};
use crate::context::Context;

/// Tuning for intent detection. Defaults: 90 s window, 30 s half-life, seeds count as one fresh
/// view each, a category dominates at 60 % of the weight, a brand at 50 %.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntentConfig {
    /// Events older than this (seconds before `now`) are ignored.
    pub window_secs: i64,
    /// An event's weight halves every `half_life_secs`.
    pub half_life_secs: f32,
    /// Weight of each seed item, as if it were a view happening now.
    pub seed_weight: f32,
    /// Share of weight a category needs to be called dominant.
    pub category_share: f32,
    /// Share of weight a brand needs to be called dominant.
    pub brand_share: f32,
}

impl Default for IntentConfig {
    fn default() -> Self {
        Self {
            window_secs: 90,
            half_life_secs: 30.0,
            seed_weight: 1.0,
            category_share: 0.6,
            brand_share: 0.5,
        }
    }
}

/// The detected intent; [`Intent::default`] is "no intent" and matches nothing.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Intent {
    /// The dominant category, if any.
    pub category: Option<CategoryId>,
    /// How focused the session is, in `[0, 1]`: the dominant category's share of the weight.
    pub strength: f32,
    /// The dominant brand, if any.
    pub brand: Option<BrandId>,
    /// The price band (low, high) the session moves in.
    pub price_band: Option<(f32, f32)>,
}

const CATEGORY_WEIGHT: f32 = 0.6;
const PRICE_WEIGHT: f32 = 0.25;
const BRAND_WEIGHT: f32 = 0.15;

impl Intent {
    /// Detects intent from the context's seeds and recent events; unknown item ids are skipped.
    #[must_use]
    pub fn detect(catalog: &Catalog, ctx: &Context, config: &IntentConfig) -> Self {
        let signals = weighted_signals(catalog, ctx, config);
        let total: f32 = signals.iter().map(|(_, w)| w).sum();
        if signals.is_empty() || total <= 0.0 {
            return Self::default();
        }
        let (category, strength) = dominant_category(catalog, &signals, total, config);
        Self {
            category,
            strength,
            brand: dominant_brand(&signals, total, config.brand_share),
            price_band: price_band(&signals, total),
        }
    }

    /// Whether anything was detected.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.category.is_none() && self.brand.is_none() && self.price_band.is_none()
    }

    /// How well an item matches the intent, in `[0, 1]`; 0 when there is no intent.
    #[must_use]
    pub fn match_score(&self, catalog: &Catalog, item: &Item) -> f32 {
        let (mut score, mut weight) = (0.0, 0.0);
        if let Some(category) = self.category {
            score += CATEGORY_WEIGHT * category_match(catalog, category, item.category);
            weight += CATEGORY_WEIGHT;
        }
        if let Some((low, high)) = self.price_band {
            score += PRICE_WEIGHT * price_match(low, high, item.price);
            weight += PRICE_WEIGHT;
        }
        if let Some(brand) = self.brand {
            score += BRAND_WEIGHT * f32::from(u8::from(item.brand == Some(brand)));
            weight += BRAND_WEIGHT;
        }
        if weight > 0.0 { score / weight } else { 0.0 }
    }
}

/// 1 inside the intent's category subtree, otherwise the tree closeness.
fn category_match(catalog: &Catalog, intent: CategoryId, item: CategoryId) -> f32 {
    let tree = catalog.categories();
    let mut node = Some(item);
    while let Some(c) = node {
        if c == intent {
            return 1.0;
        }
        node = tree.parent(c);
    }
    tree.closeness(intent, item)
}

/// 1 inside the band, decaying with the log-distance outside it.
fn price_match(low: f32, high: f32, price: f32) -> f32 {
    if price >= low && price <= high {
        return 1.0;
    }
    let edge = if price < low { low } else { high };
    let distance = (price.max(0.01).ln() - edge.max(0.01).ln()).abs();
    (-distance / 0.5).exp()
}

/// Decayed event weights per item, plus seeds at full weight.
fn weighted_signals<'a>(
    catalog: &'a Catalog,
    ctx: &Context,
    config: &IntentConfig,
) -> Vec<(&'a Item, f32)> {
    let mut out = Vec::new();
    for seed in &ctx.seeds {
        if let Some(item) = catalog.item(*seed) {
            out.push((item, config.seed_weight.max(0.0)));
        }
    }
    let half_life = config.half_life_secs.max(1e-3);
    for event in &ctx.events {
        // Clock skew can put an event slightly in the future; treat it as happening now.
        let age = (ctx.now - event.at).max(0);
        if age > config.window_secs {
            continue;
        }
        if let Some(item) = catalog.item(event.item) {
            let decay = 0.5f32.powf(age as f32 / half_life);
            out.push((item, event.kind.intent_weight() * decay));
        }
    }
    out
}

/// The deepest category (counting weight on every ancestor too) holding `share` of the weight;
/// when none does, the heaviest one with its share as strength.
fn dominant_category(
    catalog: &Catalog,
    signals: &[(&Item, f32)],
    total: f32,
    config: &IntentConfig,
) -> (Option<CategoryId>, f32) {
    let tree = catalog.categories();
    let mut weight: HashMap<CategoryId, f32> = HashMap::new();
    for (item, w) in signals {
        let mut node = Some(item.category);
        while let Some(c) = node {
            *weight.entry(c).or_insert(0.0) += w;
            node = tree.parent(c);
        }
    }
    // Sort for determinism: HashMap iteration order is random.
    let mut ranked: Vec<(CategoryId, f32)> = weight.into_iter().collect();
    ranked.sort_unstable_by_key(|(c, _)| *c);
    let deepest = ranked
        .iter()
        .filter(|(_, w)| *w / total >= config.category_share)
        .max_by(|a, b| {
            tree.depth(a.0)
                .cmp(&tree.depth(b.0))
                .then(a.1.total_cmp(&b.1))
        });
    let best = deepest.or_else(|| ranked.iter().max_by(|a, b| a.1.total_cmp(&b.1)));
    best.map_or((None, 0.0), |(c, w)| (Some(*c), (w / total).min(1.0)))
}

fn dominant_brand(signals: &[(&Item, f32)], total: f32, share: f32) -> Option<BrandId> {
    let mut weight: HashMap<BrandId, f32> = HashMap::new();
    for (item, w) in signals {
        if let Some(brand) = item.brand {
            *weight.entry(brand).or_insert(0.0) += w;
        }
    }
    let mut ranked: Vec<(BrandId, f32)> = weight.into_iter().collect();
    ranked.sort_unstable_by_key(|(b, _)| *b);
    ranked
        .into_iter()
        .filter(|(_, w)| *w / total >= share)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(b, _)| b)
}

/// Weighted mean ± spread of log price; at least ±25 % so a single view gives a usable band.
fn price_band(signals: &[(&Item, f32)], total: f32) -> Option<(f32, f32)> {
    let priced: Vec<(f32, f32)> = signals
        .iter()
        .filter(|(i, _)| i.price > 0.0)
        .map(|(i, w)| (i.price.ln(), *w))
        .collect();
    let weight: f32 = priced.iter().map(|(_, w)| w).sum();
    if priced.is_empty() || weight <= 0.0 || total <= 0.0 {
        return None;
    }
    let mean = priced.iter().map(|(x, w)| x * w).sum::<f32>() / weight;
    let var = priced
        .iter()
        .map(|(x, w)| w * (x - mean).powi(2))
        .sum::<f32>()
        / weight;
    let spread = var.sqrt().max(1.25f32.ln());
    Some(((mean - spread).exp(), (mean + spread).exp()))
}

#[cfg(test)]
#[path = "intent_tests.rs"]
mod tests;
