//! Merchant rules: pin a product to a slot, exclude, boost or bury products, per surface (or
//! on every surface) and within an optional time window.
//!
//! The ranker knows items, not collections or tags, so a rule arrives with the products it
//! matched already resolved by the caller (by product, collection, tag, vendor, category or
//! price band). Rules apply **before** the hard rules: an excluded item never enters a
//! module; a boost or bury shifts the blended score by at most [`MAX_SHIFT`] before the
//! re-rank; a pin is placed after the module's own stages, at its slot when that keeps the
//! hard rules (brand cap, variant-family dedupe, in-stock, slot 1 = most relevant), else at
//! the first later slot that does, and [`PinOutcome`] says why it moved.

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::context::Surface;
use crate::scoring::Scored;

/// Largest shift of the blended score (in `[0, 1]`) a boost or bury may make, and the bound
/// on the sum of the shifts one item gets.
pub const MAX_SHIFT: f32 = 0.3;

/// What a rule does to the products it matches.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Show the product at this 1-based slot of the surface's first module.
    Pin {
        /// 1-based slot.
        slot: usize,
    },
    /// Never show the products.
    Exclude,
    /// Raise the blended score by `amount` (clamped to `(0, MAX_SHIFT]`).
    Boost {
        /// Score shift.
        amount: f32,
    },
    /// Lower the blended score by `amount` (clamped to `(0, MAX_SHIFT]`).
    Bury {
        /// Score shift.
        amount: f32,
    },
}

/// One merchant rule with the products it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct MerchantRule {
    /// The caller's id (shown in explanations: "rule 3").
    pub id: i64,
    /// What it does.
    pub action: Action,
    /// The surface it applies to (`None`: every surface).
    pub surface: Option<Surface>,
    /// First second it applies (unix seconds; `None`: already).
    pub starts_at: Option<i64>,
    /// First second it no longer applies (`None`: never ends).
    pub ends_at: Option<i64>,
    /// Matched products (the caller's ids), sorted and deduplicated.
    products: Vec<i64>,
}

impl MerchantRule {
    /// A rule on every surface, always in force, matching `products`.
    #[must_use]
    pub fn new(id: i64, action: Action, products: impl IntoIterator<Item = i64>) -> Self {
        let mut products: Vec<i64> = products.into_iter().collect();
        products.sort_unstable();
        products.dedup();
        Self {
            id,
            action,
            surface: None,
            starts_at: None,
            ends_at: None,
            products,
        }
    }

    /// Limits the rule to one surface.
    #[must_use]
    pub fn on(mut self, surface: Surface) -> Self {
        self.surface = Some(surface);
        self
    }

    /// Limits the rule to `[starts_at, ends_at)`.
    #[must_use]
    pub fn during(mut self, starts_at: Option<i64>, ends_at: Option<i64>) -> Self {
        self.starts_at = starts_at;
        self.ends_at = ends_at;
        self
    }

    /// Whether the rule applies on `surface` at `now`.
    #[must_use]
    pub fn applies(&self, surface: Surface, now: i64) -> bool {
        self.surface.is_none_or(|s| s == surface)
            && self.starts_at.is_none_or(|start| now >= start)
            && self.ends_at.is_none_or(|end| now < end)
    }

    /// Whether the rule matched the product `external_id`.
    #[must_use]
    pub fn matches(&self, external_id: i64) -> bool {
        self.products.binary_search(&external_id).is_ok()
    }

    /// The matched products.
    #[must_use]
    pub fn products(&self) -> &[i64] {
        &self.products
    }
}

/// A shop's rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MerchantRules {
    rules: Vec<MerchantRule>,
}

impl MerchantRules {
    /// The rules, applied in id order.
    #[must_use]
    pub fn new(mut rules: Vec<MerchantRule>) -> Self {
        rules.sort_by_key(|r| r.id);
        Self { rules }
    }

    /// These rules and `rule` (the admin's preview of an unsaved rule; an existing rule of
    /// the same id is replaced).
    #[must_use]
    pub fn with(&self, rule: MerchantRule) -> Self {
        let mut rules = self.rules.clone();
        rules.retain(|r| r.id != rule.id);
        rules.push(rule);
        Self::new(rules)
    }

    /// The rules.
    #[must_use]
    pub fn rules(&self) -> &[MerchantRule] {
        &self.rules
    }

    /// Whether an exclude rule in force on `surface` at `now` removes `external_id` (for
    /// lists a caller extends beyond what was served, such as precomputed reserves).
    #[must_use]
    pub fn excludes(&self, surface: Surface, now: i64, external_id: i64) -> bool {
        self.active(surface, now).excluded_by(external_id).is_some()
    }

    /// These rules with every pin limited to the products `keep` accepts (a pin that keeps
    /// none drops): a page of a collection or of search results pins only products it
    /// holds, since a pin otherwise brings its product in from anywhere in the catalog.
    #[must_use]
    pub fn pins_limited_to(&self, keep: impl Fn(i64) -> bool) -> Self {
        let rules = self
            .rules
            .iter()
            .filter_map(|rule| {
                if !matches!(rule.action, Action::Pin { .. }) {
                    return Some(rule.clone());
                }
                let mut limited = rule.clone();
                limited.products.retain(|p| keep(*p));
                (!limited.products.is_empty()).then_some(limited)
            })
            .collect();
        Self { rules }
    }

    /// The rules in force on `surface` at `now`.
    pub(crate) fn active(&self, surface: Surface, now: i64) -> Active<'_> {
        let rules: Vec<&MerchantRule> = self
            .rules
            .iter()
            .filter(|r| r.applies(surface, now))
            .collect();
        Active {
            pins: pins(&rules),
            rules,
        }
    }
}

/// Why a pin is not at the slot it asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Blocked {
    /// Slot 1 always shows the most relevant item.
    SlotOne,
    /// More than `max` items of the pinned item's brand within the first `window` slots.
    BrandCap {
        /// Items allowed.
        max: usize,
        /// Slots counted.
        window: usize,
    },
    /// Another variant of the same product is in the list.
    FamilyDedupe,
    /// Out of stock on a surface that shows only items in stock.
    OutOfStock,
    /// An exclude rule removes it.
    Excluded {
        /// That rule's id.
        by: i64,
    },
    /// Not a candidate here: the product on the page (or a variant of it), or not in the
    /// catalog (deleted, unpublished).
    NotEligible,
    /// No slot of the module keeps the hard rules with it.
    NoSlotFits,
    /// The list has fewer items than the slot: the pin ends it.
    ShortList,
    /// Another pin took the slot.
    AnotherPin,
}

/// What became of one pin in one served list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinOutcome {
    /// The rule's id.
    pub rule: i64,
    /// The pinned product.
    pub product: i64,
    /// The 1-based slot it asked for.
    pub slot: usize,
    /// The 1-based slot it got (`None`: not shown).
    pub placed: Option<usize>,
    /// Why it is not at `slot` (`None` when it is).
    pub blocked: Option<Blocked>,
}

/// The rules in force for one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Active<'a> {
    rules: Vec<&'a MerchantRule>,
    /// Every pin as `(rule, 1-based slot, product)`, by slot, then rule; one per product.
    pins: Vec<(i64, usize, i64)>,
}

/// The pins of `rules` as `(rule, 1-based slot, product)`, by slot, then rule; of two pins
/// of one product the first (lowest slot) wins.
fn pins(rules: &[&MerchantRule]) -> Vec<(i64, usize, i64)> {
    let mut pins: Vec<(i64, usize, i64)> = rules
        .iter()
        .filter_map(|r| match r.action {
            Action::Pin { slot } => Some(r.products.iter().map(move |p| (r.id, slot, *p))),
            _ => None,
        })
        .flatten()
        .collect();
    pins.sort_by_key(|(rule, slot, _)| (*slot, *rule));
    let mut seen = Vec::new();
    pins.retain(|p| {
        let new = !seen.contains(&p.2);
        seen.push(p.2);
        new
    });
    pins
}

impl Active<'_> {
    /// The first exclude rule that removes `external_id`.
    pub(crate) fn excluded_by(&self, external_id: i64) -> Option<i64> {
        self.rules
            .iter()
            .find(|r| r.action == Action::Exclude && r.matches(external_id))
            .map(|r| r.id)
    }

    /// The bounded sum of the boosts and buries of `external_id`, and the rule that shifts
    /// it most.
    fn shift(&self, external_id: i64) -> (f32, Option<i64>) {
        let mut total = 0.0;
        let mut strongest: Option<(f32, i64)> = None;
        for rule in self.rules.iter().filter(|r| r.matches(external_id)) {
            let amount = match rule.action {
                Action::Boost { amount } => bounded(amount),
                Action::Bury { amount } => -bounded(amount),
                Action::Pin { .. } | Action::Exclude => continue,
            };
            total += amount;
            if strongest.is_none_or(|(a, _)| amount.abs() > a.abs()) {
                strongest = Some((amount, rule.id));
            }
        }
        (
            total.clamp(-MAX_SHIFT, MAX_SHIFT),
            strongest.map(|(_, id)| id),
        )
    }

    /// The rule that pinned, boosted or buried `external_id`, for explanations.
    pub(crate) fn attribution(&self, external_id: i64, pinned: bool) -> Option<i64> {
        if pinned {
            return self.pins().find(|p| p.2 == external_id).map(|p| p.0);
        }
        self.shift(external_id).1
    }

    /// Every pin as `(rule, 1-based slot, product)`, by slot, then rule.
    pub(crate) fn pins(&self) -> impl Iterator<Item = (i64, usize, i64)> + '_ {
        self.pins.iter().copied()
    }

    /// Whether `external_id` is pinned by a rule in force.
    pub(crate) fn is_pinned(&self, external_id: i64) -> bool {
        self.pins().any(|p| p.2 == external_id)
    }

    /// Drops excluded rows, shifts boosted and buried ones, and puts `rows` back in score
    /// order (ties keep their order).
    pub(crate) fn adjust(&self, catalog: &Catalog, rows: &mut Vec<Scored>) {
        if self.rules.is_empty() {
            return;
        }
        let external = |row: &Scored| catalog.item(row.item).map(|i| i.external_id);
        rows.retain(|row| external(row).is_none_or(|id| self.excluded_by(id).is_none()));
        for row in rows.iter_mut() {
            if let Some(id) = external(row) {
                row.score = (row.score + self.shift(id).0).clamp(0.0, 1.0);
            }
        }
        rows.sort_by(|a, b| b.score.total_cmp(&a.score));
    }
}

/// A merchant's shift in `[0, MAX_SHIFT]` (NaN counts as 0).
fn bounded(amount: f32) -> f32 {
    if amount.is_finite() {
        amount.clamp(0.0, MAX_SHIFT)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiting_pins_keeps_other_rules_and_drops_pins_left_without_products() {
        let rules = MerchantRules::new(vec![
            MerchantRule::new(1, Action::Pin { slot: 2 }, [10, 11]),
            MerchantRule::new(2, Action::Pin { slot: 3 }, [12]),
            MerchantRule::new(3, Action::Exclude, [10, 12]),
        ]);

        let limited = rules.pins_limited_to(|p| p == 11);

        let kept: Vec<(i64, &[i64])> = limited
            .rules()
            .iter()
            .map(|r| (r.id, r.products()))
            .collect();
        assert_eq!(kept, [(1, &[11][..]), (3, &[10, 12][..])]);
    }
}
