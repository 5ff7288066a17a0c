//! The settings document of one surface, and its defaults derived from the ranker's.

use std::collections::BTreeMap;

use ranker::policy::{PolicySpec, default_specs};
use ranker::{RuleSet, Surface, Weights};
use serde::{Deserialize, Serialize};

use crate::surface;

/// The surfaces a merchant tunes, in the admin's order.
pub const SURFACES: [Surface; 5] = [
    Surface::Home,
    Surface::Product,
    Surface::Cart,
    Surface::Email,
    Surface::Search,
];

/// Exploration of one surface.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplorationSettings {
    /// The kill switch: `false` explores nothing.
    pub enabled: bool,
    /// Cap on the expected share of shown items that are explored, in `[0.05, 0.15]`.
    pub share: f32,
}

/// What a merchant sets for one surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceSettings {
    /// Blend weights of relevance, intent, margin, inventory and novelty (normalised when
    /// applied, so only their proportions count).
    pub weights: Weights,
    /// Exploration switch and cap.
    pub exploration: ExplorationSettings,
    /// At most this many items of one brand among the first slots (`None`: no cap).
    pub brand_cap: Option<usize>,
    /// Largest share of a list one seller (vendor) may hold (`None`: no limit).
    pub seller_share: Option<f32>,
    /// Show only items in stock.
    pub in_stock_only: bool,
    /// Items in the surface's longest module; the others keep their proportion to it.
    pub list_length: usize,
    /// Shopper-facing title per module name.
    pub module_titles: BTreeMap<String, String>,
}

/// The ranker's default policy for `surface` (the cold-start one if it had none).
pub(crate) fn default_spec(surface: Surface) -> PolicySpec {
    let (surfaces, cold) = default_specs();
    surfaces
        .into_iter()
        .find(|spec| spec.surface == Some(surface))
        .unwrap_or(cold)
}

impl SurfaceSettings {
    /// The settings that reproduce the ranker's defaults for `surface`.
    #[must_use]
    pub fn defaults(surface: Surface) -> Self {
        let spec = default_spec(surface);
        let rules = RuleSet::default();
        Self {
            weights: spec
                .modules
                .first()
                .and_then(|m| m.weights)
                .unwrap_or_default(),
            exploration: ExplorationSettings {
                enabled: spec.exploration.enabled,
                share: spec.exploration.max_share,
            },
            brand_cap: rules.brand_cap.map(|(max, _)| max),
            seller_share: rules.max_vendor_share,
            in_stock_only: spec.modules.iter().all(|m| m.in_stock_only),
            list_length: spec.modules.iter().map(|m| m.slots).max().unwrap_or(0),
            module_titles: spec
                .modules
                .iter()
                .map(|m| (m.name.clone(), surface::module_title(&m.name)))
                .collect(),
        }
    }
}

/// The weights' names, in the order of the score components.
pub(crate) fn weight_fields(w: &Weights) -> [(&'static str, f32); 5] {
    [
        ("relevance", w.relevance),
        ("intent", w.intent),
        ("margin", w.margin),
        ("inventory", w.inventory),
        ("novelty", w.novelty),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_rankers_defaults() {
        let cart = SurfaceSettings::defaults(Surface::Cart);
        let pdp = SurfaceSettings::defaults(Surface::Product);

        assert_eq!(pdp.weights, Weights::default());
        assert_eq!(
            cart.weights,
            default_spec(Surface::Cart).modules[0].weights.unwrap()
        );
        assert!(!cart.exploration.enabled);
        assert_eq!(pdp.list_length, 8);
        assert_eq!(pdp.brand_cap, Some(2));
        assert_eq!(pdp.module_titles["complete_the_look"], "Complete the look");
    }
}
