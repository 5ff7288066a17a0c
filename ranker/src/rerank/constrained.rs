//! Constrained greedy selection: diversified greedy picks under hard rules, relaxed in a
//! documented order (see [`Rule`]) only for the slots where no candidate satisfies them all.

use std::collections::HashSet;

use super::rules::{Relaxation, Rule, RuleSet};
use super::similarity::SimSpace;
use crate::catalog::{BrandId, CategoryId, FamilyId, VendorId};

/// What the rules need to know about one shortlist row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RowFacts {
    pub relevance: f32,
    pub score: f32,
    pub intent: f32,
    pub category: CategoryId,
    pub brand: Option<BrandId>,
    pub vendor: Option<VendorId>,
    pub family: Option<FamilyId>,
    /// Whether the category is adjacent to the anchor (seed) category.
    pub adjacent: bool,
}

/// Inputs fixed for one selection.
pub(crate) struct Problem<'s, 'a> {
    pub rows: &'s [RowFacts],
    pub space: &'s SimSpace<'a>,
    pub rules: &'s RuleSet,
    /// Whether the session's intent is strong enough for the intent gate.
    pub intent_gate: bool,
    pub k: usize,
}

/// The running selection and the counters the rules read.
struct State {
    selected: Vec<usize>,
    taken: Vec<bool>,
    max_sim: Vec<f32>,
    sims: Vec<f32>,
    brands: Vec<BrandId>,
    vendors: Vec<VendorId>,
    families: HashSet<FamilyId>,
    covered: Vec<CategoryId>,
}

/// Slots 2-4 are positions 1..=3; the requirement shrinks when the list is shorter.
fn coverage_window(k: usize) -> (usize, usize) {
    let end = k.min(4);
    (end, 2.min(end.saturating_sub(1)))
}

impl Problem<'_, '_> {
    fn allowed(&self, i: usize, st: &State, active: &[bool; 5]) -> bool {
        let row = &self.rows[i];
        let pos = st.selected.len();
        let rules = self.rules;
        if active[4] && row.family.is_some_and(|f| st.families.contains(&f)) {
            return false;
        }
        if active[3] && self.intent_gate && rules.intent_floor.is_some_and(|f| row.intent < f) {
            return false;
        }
        if active[2]
            && let (Some((max, window)), Some(b)) = (rules.brand_cap, row.brand)
            && pos < window
            && st.brands.iter().filter(|x| **x == b).count() >= max
        {
            return false;
        }
        if active[1]
            && let Some(v) = row.vendor
            && st.vendors.iter().filter(|x| **x == v).count() >= rules.vendor_limit(self.k)
        {
            return false;
        }
        if active[0] && rules.adjacent_coverage {
            let (end, required) = coverage_window(self.k);
            if (1..end).contains(&pos) {
                let need = required.saturating_sub(st.covered.len());
                let adds = row.adjacent && !st.covered.contains(&row.category);
                if need >= end - pos && !adds {
                    return false;
                }
            }
        }
        true
    }

    fn best(&self, st: &State, active: &[bool; 5]) -> Option<usize> {
        let pos = st.selected.len();
        let mut best: Option<(usize, f32, f32)> = None;
        for i in 0..self.rows.len() {
            if st.taken[i] || (pos > 0 && !self.allowed(i, st, active)) {
                continue;
            }
            let row = &self.rows[i];
            // Slot 1 is the most relevant item; later slots trade score against redundancy.
            let (gain, tie) = if pos == 0 {
                (row.relevance, row.score)
            } else {
                (row.score - self.rules.lambda * st.max_sim[i], row.score)
            };
            if best.is_none_or(|(_, g, t)| gain > g || (gain == g && tie > t)) {
                best = Some((i, gain, tie));
            }
        }
        best.map(|(i, _, _)| i)
    }

    fn take(&self, st: &mut State, pick: usize) {
        let row = &self.rows[pick];
        let pos = st.selected.len();
        st.taken[pick] = true;
        st.selected.push(pick);
        if let Some(b) = row.brand {
            st.brands.push(b);
        }
        if let Some(v) = row.vendor {
            st.vendors.push(v);
        }
        if let Some(f) = row.family {
            st.families.insert(f);
        }
        if (1..coverage_window(self.k).0).contains(&pos)
            && row.adjacent
            && !st.covered.contains(&row.category)
        {
            st.covered.push(row.category);
        }
        self.space.sims_to(pick, &mut st.sims);
        for ((m, s), t) in st.max_sim.iter_mut().zip(&st.sims).zip(&st.taken) {
            if !t {
                *m = m.max(*s);
            }
        }
    }

    /// Whether the pool can satisfy coverage at all; if not it is relaxed once, up front.
    fn coverage_feasible(&self) -> bool {
        let (_, required) = coverage_window(self.k);
        let mut seen: Vec<CategoryId> = Vec::new();
        for row in self.rows.iter().filter(|r| r.adjacent) {
            if !seen.contains(&row.category) {
                seen.push(row.category);
                if seen.len() >= required {
                    return true;
                }
            }
        }
        seen.len() >= required
    }

    /// Which rules the settings turn on, indexed like [`Rule::RELAXATION_ORDER`].
    fn enabled(&self) -> [bool; 5] {
        let r = self.rules;
        [
            r.adjacent_coverage,
            r.max_vendor_share.is_some(),
            r.brand_cap.is_some(),
            self.intent_gate && r.intent_floor.is_some(),
            r.dedupe_families,
        ]
    }

    /// The best row for the next slot, dropping rules in relaxation order until one fits, then
    /// re-instating every dropped rule that turned out not to be binding, so the report names only
    /// the rules that really had to give. Returns the pick and the indices of the dropped rules.
    fn pick_relaxing(&self, st: &State, base: [bool; 5]) -> Option<(usize, Vec<usize>)> {
        let mut active = base;
        let mut dropped = Vec::new();
        let mut pick = self.best(st, &active);
        while pick.is_none() {
            let r = (0..5).find(|r| active[*r])?;
            active[r] = false;
            dropped.push(r);
            pick = self.best(st, &active);
        }
        if let Some((_, earlier)) = dropped.split_last() {
            for &r in earlier {
                active[r] = true;
                match self.best(st, &active) {
                    Some(p) => pick = Some(p),
                    None => active[r] = false,
                }
            }
        }
        dropped.retain(|r| !active[*r]);
        pick.map(|p| (p, dropped))
    }

    /// Runs the selection: up to `k` rows in slot order, plus the relaxations it needed.
    pub(crate) fn solve(&self) -> (Vec<usize>, Vec<Relaxation>) {
        let n = self.rows.len();
        let k = self.k.min(n);
        let mut st = State {
            selected: Vec::with_capacity(k),
            taken: vec![false; n],
            max_sim: vec![0.0; n],
            sims: vec![0.0; self.space.len()],
            brands: Vec::new(),
            vendors: Vec::new(),
            families: HashSet::new(),
            covered: Vec::new(),
        };
        let mut base = self.enabled();
        let mut relaxed = Vec::new();
        if base[0] && k > 1 && !self.coverage_feasible() {
            base[0] = false;
            relaxed.push(Relaxation {
                rule: Rule::AdjacentCoverage,
                slot: 1,
            });
        }
        while st.selected.len() < k {
            let Some((pick, dropped)) = self.pick_relaxing(&st, base) else {
                break;
            };
            let slot = st.selected.len();
            relaxed.extend(dropped.into_iter().map(|r| Relaxation {
                rule: Rule::RELAXATION_ORDER[r],
                slot,
            }));
            self.take(&mut st, pick);
        }
        (st.selected, relaxed)
    }
}
