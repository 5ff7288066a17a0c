//! Pins: the merchant's products placed at their slots of the surface's first module, or at
//! the first later slot that keeps the hard rules, with what happened and why.

use super::{Job, Slot};
use crate::catalog::ItemId;
use crate::merchant::{Blocked, PinOutcome};
use crate::scoring::Scored;
use crate::serve::Step;

impl Job<'_> {
    /// Whether `item` is pinned to another module's slots (pins go to the first module
    /// only, so the others leave it to it).
    pub(super) fn reserved(&self, item: ItemId) -> bool {
        !self.pins_here
            && self
                .catalog
                .item(item)
                .is_some_and(|i| self.rules.is_pinned(i.external_id))
    }

    /// Places every pin in force into `slots` (the module's list after its own stages);
    /// `all` holds every eligible row of the request, in or out of the module's scope.
    pub(super) fn place_pins(&self, all: &[Scored], slots: &mut Vec<Slot>) -> Vec<PinOutcome> {
        let pins: Vec<(i64, usize, i64)> = self.rules.pins().collect();
        let mut outcomes: Vec<PinOutcome> = pins
            .into_iter()
            .map(|(rule, slot, product)| {
                let (placed, blocked) = match self.pin_row(all, product) {
                    Ok(row) => self.insert(row, slot, slots),
                    Err(why) => (None, Some(why)),
                };
                PinOutcome {
                    rule,
                    product,
                    slot,
                    placed,
                    blocked,
                }
            })
            .collect();
        // A later pin inserted above an earlier one pushes it down: report where each ended.
        for outcome in outcomes.iter_mut().filter(|o| o.placed.is_some()) {
            let at = slots.iter().position(|s| {
                self.catalog
                    .item(s.row.item)
                    .is_some_and(|i| i.external_id == outcome.product)
            });
            outcome.placed = at.map(|i| i + 1);
            if outcome.placed != Some(outcome.slot) && outcome.blocked.is_none() {
                outcome.blocked = Some(Blocked::AnotherPin);
            }
        }
        outcomes
    }

    /// The row of the pinned `product`, or why it cannot be shown at all.
    fn pin_row(&self, all: &[Scored], product: i64) -> Result<Scored, Blocked> {
        if let Some(by) = self.rules.excluded_by(product) {
            return Err(Blocked::Excluded { by });
        }
        let item = self.catalog.id_of(product).ok_or(Blocked::NotEligible)?;
        let row = all
            .iter()
            .find(|r| r.item == item)
            .ok_or(Blocked::NotEligible)?;
        if !self.stock_ok(item) {
            return Err(Blocked::OutOfStock);
        }
        Ok(*row)
    }

    /// Inserts `row` at the 1-based `slot`, or the first later slot where it keeps the hard
    /// rules; returns the slot it got and why it is not the one asked for.
    fn insert(
        &self,
        row: Scored,
        slot: usize,
        slots: &mut Vec<Slot>,
    ) -> (Option<usize>, Option<Blocked>) {
        slots.retain(|s| s.row.item != row.item);
        let cap = self.module.slots;
        let pinned = Slot {
            row,
            reason: None,
            propensity: 1.0,
            explored: false,
            arm: None,
            step: Step::Pinned,
        };
        // Slot 1 always shows the most relevant item.
        let mut first_block = (slot <= 1).then_some(Blocked::SlotOne);
        // A list shorter than the slot takes the pin at its end.
        if first_block.is_none() && slot > slots.len() + 1 {
            first_block = Some(Blocked::ShortList);
        }
        let start = (slot.max(2) - 1).min(slots.len());
        for at in start..cap.min(slots.len() + 1) {
            let mut trial = slots.clone();
            trial.insert(at, pinned);
            trial.truncate(cap);
            match self.conflict(&trial, at, row.item) {
                None => {
                    *slots = trial;
                    return (Some(at + 1), first_block);
                }
                Some(why) => {
                    first_block.get_or_insert(why);
                }
            }
        }
        (None, Some(first_block.unwrap_or(Blocked::NoSlotFits)))
    }
}
