//! Checking a finished list against the rules, for tests, monitoring and the merchant preview.

use std::collections::HashMap;

use crate::catalog::Catalog;
use crate::context::Context;
use crate::list::RankedList;
use crate::ranker::{Ranker, anchor_category};
use crate::rerank::rules::Rule;
use crate::scoring::Scored;

impl Ranker {
    /// The relaxable rules that `list` breaks, judged with this ranker's
    /// [`RuleSet`](crate::RuleSet). For a list produced by [`Ranker::rank`] with the constrained policy,
    /// every rule returned here is also reported in [`RankedList::relaxed`].
    #[must_use]
    pub fn violations(&self, catalog: &Catalog, ctx: &Context, list: &RankedList) -> Vec<Rule> {
        let rules = &self.settings().rules;
        let items: Vec<_> = list
            .items
            .iter()
            .filter_map(|r| catalog.item(r.item))
            .collect();
        let k = items.len();
        let mut out = Vec::new();
        let mut families: Vec<_> = items.iter().filter_map(|i| i.family).collect();
        families.sort_unstable();
        if rules.dedupe_families && families.windows(2).any(|w| w[0] == w[1]) {
            out.push(Rule::FamilyDedupe);
        }
        if let Some((max, window)) = rules.brand_cap {
            let mut count = HashMap::new();
            for brand in items.iter().take(window).filter_map(|i| i.brand) {
                *count.entry(brand).or_insert(0usize) += 1;
            }
            if count.values().any(|c| *c > max) {
                out.push(Rule::BrandCap);
            }
        }
        let mut vendors = HashMap::new();
        for vendor in items.iter().filter_map(|i| i.vendor) {
            *vendors.entry(vendor).or_insert(0usize) += 1;
        }
        if vendors.values().any(|c| *c > rules.vendor_limit(k)) {
            out.push(Rule::VendorShare);
        }
        let intent = &list.intent;
        let gate = intent.category.is_some() && intent.strength >= rules.intent_min_strength;
        if let (true, Some(floor)) = (gate, rules.intent_floor)
            && list
                .items
                .iter()
                .skip(1)
                .any(|r| r.components.intent < floor)
        {
            out.push(Rule::IntentGate);
        }
        if rules.adjacent_coverage && !self.coverage_met(catalog, ctx, list) {
            out.push(Rule::AdjacentCoverage);
        }
        out
    }

    fn coverage_met(&self, catalog: &Catalog, ctx: &Context, list: &RankedList) -> bool {
        let k = list.items.len();
        let (end, required) = (k.min(4), 2.min(k.min(4).saturating_sub(1)));
        let first = list.items.first().map(|r| Scored {
            item: r.item,
            score: r.score,
            components: r.components,
            sources: r.sources,
            primary: crate::Source::Explore,
            via: None,
        });
        let Some(anchor) = anchor_category(catalog, ctx, &list.intent, first.as_ref()) else {
            return required == 0;
        };
        let mut covered = Vec::new();
        for r in list.items.iter().take(end).skip(1) {
            if let Some(item) = catalog.item(r.item)
                && catalog.categories_adjacent(anchor, item.category)
                && !covered.contains(&item.category)
            {
                covered.push(item.category);
            }
        }
        covered.len() >= required
    }
}
