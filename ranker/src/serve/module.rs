//! Filling one module: merchant rules, scope, re-rank, discovery and new-arrival slots,
//! pins, repair, exploration.

mod pin;

use rand::Rng;

use super::explore::{SlotDraw, draw, draw_bandit, explore_set};
use super::scope::{Anchor, scoped};
use super::{ServedItem, Step};
use crate::candidates::Source;
use crate::catalog::{Catalog, CategoryId, ItemId};
use crate::context::{Context, Surface};
use crate::error::Result;
use crate::exposure;
use crate::intent::Intent;
use crate::list::{RankedItem, Reason};
use crate::merchant::{Active, Blocked, PinOutcome};
use crate::policy::{ExplorationPolicy, ModulePolicy, Scope};
use crate::ranker::{Ranker, RankerSettings};
use crate::rerank::Policy;
use crate::scoring::{FeatureTable, Scored};
use crate::signals::Signals;

/// Everything one module needs.
pub(super) struct Job<'a> {
    pub ranker: &'a Ranker,
    pub catalog: &'a Catalog,
    pub ctx: &'a Context,
    pub intent: &'a Intent,
    pub anchor: &'a Anchor,
    pub module: &'a ModulePolicy,
    pub exploration: &'a ExplorationPolicy,
    /// (slot, effective ε) of this module's exploration slots.
    pub epsilons: Vec<(usize, f32)>,
    /// Caller-owned exposure ledger and bandit.
    pub signals: &'a Signals<'a>,
    /// Request features when a bandit picks exploration arms.
    pub bandit_x: Option<&'a [f64]>,
    /// The merchant rules in force.
    pub rules: &'a Active<'a>,
    /// Whether this is the surface's first module, the one pins go to.
    pub pins_here: bool,
}

/// A chosen row and how it got there.
#[derive(Clone, Copy)]
struct Slot {
    row: Scored,
    reason: Option<Reason>,
    propensity: f32,
    explored: bool,
    arm: Option<Source>,
    step: Step,
}

impl Job<'_> {
    /// Fills the module; appends its items to `shown`.
    /// Fills the module; appends its items to `shown` and what became of its pins to
    /// `pins`.
    pub(super) fn run<R: Rng + ?Sized>(
        &self,
        table: &FeatureTable,
        shown: &mut Vec<ItemId>,
        pins: &mut Vec<PinOutcome>,
        rng: &mut R,
    ) -> Result<Vec<ServedItem>> {
        let m = self.module;
        let mut all = table.top_k(&m.weights, table.len());
        // Merchant rules come before the hard rules: exclusions and score shifts first.
        self.rules.adjust(self.catalog, &mut all);
        let mut rows: Vec<Scored> = all
            .iter()
            .filter(|s| {
                !shown.contains(&s.item)
                    && !self.reserved(s.item)
                    && self.stock_ok(s.item)
                    && self.anchor.allows(self.catalog, m.scope, s)
            })
            .copied()
            .collect();
        if let Some(ledger) = self.signals.exposure {
            let config = &self.ranker.settings().exposure;
            exposure::apply(&mut rows, ledger, config, self.catalog.len());
        }
        let mut slots = self.greedy(&rows);
        self.inject_new_arrivals(&rows, &mut slots);
        if self.pins_here {
            pins.extend(self.place_pins(&all, &mut slots));
        }
        self.repair(&rows, &mut slots);
        self.explore(&rows, &mut slots, rng)?;
        shown.extend(slots.iter().map(|s| s.row.item));
        Ok(slots.into_iter().filter_map(|s| self.item(s)).collect())
    }

    /// Runs the module's exploration slots in order (each sees the earlier slots' draws).
    fn explore<R: Rng + ?Sized>(
        &self,
        rows: &[Scored],
        slots: &mut [Slot],
        rng: &mut R,
    ) -> Result<()> {
        for &(slot, epsilon) in &self.epsilons {
            if slots.get(slot).is_none_or(|s| s.step == Step::Pinned) {
                continue;
            }
            let ids: Vec<ItemId> = slots.iter().map(|s| s.row.item).collect();
            // Only items that keep the module's hard rules may be drawn, so propensities stay
            // exact and an explored list is as rule-abiding as a greedy one.
            let set: Vec<&Scored> =
                explore_set(self.catalog, self.anchor, self.exploration, rows, &ids)
                    .into_iter()
                    .filter(|row| self.fits(slots, slot, row.item))
                    .collect();
            let d: SlotDraw = match (self.signals.bandit, self.bandit_x) {
                (Some(bandit), Some(x)) => draw_bandit(&set, epsilon, bandit, x, rng)?,
                _ => draw(&set, epsilon, rng),
            };
            let cell = &mut slots[slot];
            cell.propensity = d.propensity;
            if let Some(row) = d.row {
                // An explored item is told by what it is, like any other: the draw only
                // chose it.
                *cell = Slot {
                    row,
                    reason: None,
                    propensity: d.propensity,
                    explored: d.explored,
                    arm: d.arm,
                    step: if d.explored {
                        Step::Exploration
                    } else {
                        cell.step
                    },
                };
            }
        }
        Ok(())
    }

    /// The module's stages (relevance, discovery, new arrivals) each keep the rules on their
    /// own rows; together they can still put a third item of a brand into the top slots or
    /// two of one variant family side by side. Each such slot (never slot 1) takes the
    /// best-scored row that fits instead; when none fits, the slot stays as it is (relaxed).
    fn repair(&self, rows: &[Scored], slots: &mut [Slot]) {
        for at in 1..slots.len() {
            if slots[at].step == Step::Pinned || self.fits(slots, at, slots[at].row.item) {
                continue;
            }
            let used: Vec<ItemId> = slots.iter().map(|s| s.row.item).collect();
            // In-scope rows first: a stand-in (a sibling category) only when none fits.
            let in_scope = rows
                .iter()
                .filter(|row| self.anchor.admits(self.catalog, self.module.scope, row));
            let replacement = in_scope
                .chain(rows)
                .find(|row| !used.contains(&row.item) && self.fits(slots, at, row.item));
            if let Some(row) = replacement {
                slots[at] = Slot {
                    row: *row,
                    reason: None,
                    propensity: 1.0,
                    explored: false,
                    arm: None,
                    step: Step::Repair,
                };
            }
        }
    }

    /// Whether `item` in slot `at` keeps the brand cap and the family dedupe with respect to
    /// the module's other slots.
    fn fits(&self, slots: &[Slot], at: usize, item: ItemId) -> bool {
        self.conflict(slots, at, item).is_none()
    }

    /// The hard rule `item` in slot `at` breaks with respect to the module's other slots:
    /// the family dedupe or the brand cap.
    fn conflict(&self, slots: &[Slot], at: usize, item: ItemId) -> Option<Blocked> {
        let Some(candidate) = self.catalog.item(item) else {
            return Some(Blocked::NotEligible);
        };
        let rules = &self.ranker.settings().rules;
        // A branded search keeps to the brand asked for: the cap does not apply there, nor
        // in a module that turns it off.
        let branded = self.module.scope == Scope::Query && self.anchor.brand.is_some();
        let brand_cap = rules
            .brand_cap
            .filter(|_| self.module.brand_cap && !branded);
        let others = slots
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .filter_map(|(i, s)| Some((i, self.catalog.item(s.row.item)?)));
        let mut same_brand = 0;
        for (i, other) in others {
            if rules.dedupe_families
                && candidate.family.is_some()
                && other.family == candidate.family
            {
                return Some(Blocked::FamilyDedupe);
            }
            if let (Some((_, window)), Some(brand)) = (brand_cap, candidate.brand)
                && at < window
                && i < window
                && other.brand == Some(brand)
            {
                same_brand += 1;
            }
        }
        match brand_cap {
            Some((max, window)) if same_brand >= max => Some(Blocked::BrandCap { max, window }),
            _ => None,
        }
    }

    fn stock_ok(&self, item: ItemId) -> bool {
        self.catalog
            .item(item)
            .is_some_and(|i| i.in_stock || !self.module.in_stock_only)
    }

    fn ranker(&self, policy: Policy) -> Ranker {
        let base = self.ranker.settings();
        let mut rules = base.rules;
        rules.exclude_out_of_stock = self.module.in_stock_only;
        Ranker {
            settings: RankerSettings {
                weights: self.module.weights,
                policy,
                rules,
                ..*base
            },
        }
    }

    /// Relevance slots from the scope and re-ranker; discovery slots (outside the anchor
    /// category, DPP α = 1) spread evenly between them.
    fn greedy(&self, rows: &[Scored]) -> Vec<Slot> {
        let m = self.module;
        let k = m.slots.min(rows.len());
        let disc_k = m.discovery_slots.min(k);
        let scoped = scoped(self.catalog, self.anchor, m.scope, rows, k);
        let relevance = self.ranker(m.reranker).rerank(
            self.catalog,
            self.ctx,
            *self.intent,
            &scoped,
            k - disc_k,
        );
        let taken: Vec<ItemId> = relevance.items.iter().map(|i| i.item).collect();
        let outside: Vec<Scored> = rows
            .iter()
            .filter(|s| !taken.contains(&s.item) && self.anchor.outside(self.catalog, s.item))
            .copied()
            .collect();
        let discovery = self.ranker(Policy::Dpp { alpha: 1.0 }).rerank(
            self.catalog,
            self.ctx,
            *self.intent,
            &outside,
            disc_k,
        );
        let find = |id: ItemId| rows.iter().find(|s| s.item == id).copied();
        let rel: Vec<Scored> = relevance
            .items
            .iter()
            .filter_map(|i| find(i.item))
            .collect();
        let disc: Vec<Scored> = discovery
            .items
            .iter()
            .filter_map(|i| find(i.item))
            .collect();
        interleave(&rel, &disc)
    }

    /// Puts the newest eligible item not yet listed into each new-arrival slot.
    fn inject_new_arrivals(&self, rows: &[Scored], slots: &mut [Slot]) {
        for &s in &self.module.new_arrival_slots {
            if s >= slots.len() {
                continue;
            }
            let newest = rows
                .iter()
                .filter(|r| slots.iter().all(|x| x.row.item != r.item))
                .max_by(|a, b| a.components.novelty.total_cmp(&b.components.novelty));
            if let Some(row) = newest {
                slots[s].row = *row;
                slots[s].step = Step::NewArrival;
                slots[s].reason = self
                    .catalog
                    .item(row.item)
                    .map(|i| Reason::NewIn(i.category));
            }
        }
    }

    fn item(&self, s: Slot) -> Option<ServedItem> {
        let item = self.catalog.item(s.row.item)?;
        Some(ServedItem {
            ranked: RankedItem {
                item: s.row.item,
                external_id: item.external_id,
                score: s.row.score,
                components: s.row.components,
                reason: s
                    .reason
                    .unwrap_or_else(|| self.reason(&s.row, item.category)),
                sources: s.row.sources,
            },
            propensity: s.propensity,
            explored: s.explored,
            arm: s.arm,
            step: s.step,
            rule: self
                .rules
                .attribution(item.external_id, s.step == Step::Pinned),
        })
    }

    /// What the shopper is told about `row` (in `category`), from its provenance and the
    /// page: a neighbour of the product on the page is similar (same category), goes with it
    /// (paired categories) or was viewed with it; a neighbour of a product from the
    /// shopper's cart or history goes with it or is there because they viewed it.
    fn reason(&self, row: &Scored, category: CategoryId) -> Reason {
        let own = Reason::of(row.primary, row.via, category);
        let (Source::CoOccurrence | Source::Content, Some(via)) = (row.primary, row.via) else {
            return own;
        };
        let Some(seed) = self.catalog.item(via).map(|i| i.category) else {
            return own;
        };
        let on_page = self.ctx.surface == Surface::Product && self.ctx.seeds.first() == Some(&via);
        if on_page && seed == category {
            Reason::Similar
        } else if self.catalog.category_graph().adjacent(seed, category) {
            Reason::GoesWith(via)
        } else if on_page {
            Reason::AlsoViewed
        } else {
            Reason::BecauseViewed(via)
        }
    }
}

/// Relevance rows with the discovery rows at evenly spread positions.
fn interleave(rel: &[Scored], disc: &[Scored]) -> Vec<Slot> {
    let k = rel.len() + disc.len();
    let d = disc.len();
    let at: Vec<usize> = (0..d).map(|j| ((j + 1) * k) / (d + 1)).collect();
    let (mut r, mut q) = (rel.iter(), disc.iter());
    let relevance = |row: &Scored| (*row, Step::Relevance);
    let discovery = |row: &Scored| (*row, Step::Discovery);
    (0..k)
        .filter_map(|pos| {
            let row = if at.contains(&pos) {
                q.next().map(discovery)
            } else {
                r.next().map(relevance)
            };
            row.or_else(|| r.next().map(relevance))
                .or_else(|| q.next().map(discovery))
        })
        .map(|(row, step)| Slot {
            row,
            reason: None,
            propensity: 1.0,
            explored: false,
            arm: None,
            step,
        })
        .collect()
}
