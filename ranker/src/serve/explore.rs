//! Slot-level epsilon-greedy exploration with exact propensities.
//!
//! For an exploration slot with probability ε and an explore set `E` (eligible items outside the
//! list, in categories adjacent to the anchor but not the anchor's own, with margin and
//! inventory above the policy's floors), the slot shows the greedy item with probability `1 − ε`
//! and a uniform draw from `E` with probability ε. `E` never holds the greedy item (it is in the
//! list), so the logged propensity is exactly `1 − ε` for the greedy item and `ε / |E|` for an
//! explored one. With several exploration slots in one list, each slot's propensity is
//! conditional on the draws of the earlier slots (their items leave `E`), which is what
//! position-wise off-policy estimators need. An empty `E` means no exploration: propensity 1.

use rand::Rng;

use super::scope::Anchor;
use crate::bandit::{ARMS, ExploreBandit};
use crate::candidates::Source;
use crate::catalog::{Catalog, ItemId};
use crate::error::Result;
use crate::policy::ExplorationPolicy;
use crate::scoring::Scored;

/// The outcome for one slot.
pub(super) struct SlotDraw {
    /// The row to show (into the module's candidate rows).
    pub row: Option<Scored>,
    /// Probability of showing what is shown.
    pub propensity: f32,
    /// Whether it was an exploration draw.
    pub explored: bool,
    /// The bandit arm it was explored from.
    pub arm: Option<Source>,
}

/// Rows eligible for exploration: not in `shown`, outside the anchor category but adjacent to
/// it, margin and inventory above the floors.
pub(super) fn explore_set<'a>(
    catalog: &Catalog,
    anchor: &Anchor,
    policy: &ExplorationPolicy,
    rows: &'a [Scored],
    shown: &[ItemId],
) -> Vec<&'a Scored> {
    rows.iter()
        .filter(|s| {
            !shown.contains(&s.item)
                && s.components.margin >= policy.min_margin
                && s.components.inventory >= policy.min_inventory
                && anchor.outside(catalog, s.item)
                && anchor.adjacent(catalog, s.item)
        })
        .collect()
}

/// Draws one slot: the greedy row with probability `1 − ε`, else a uniform pick from `set`.
pub(super) fn draw<R: Rng + ?Sized>(set: &[&Scored], epsilon: f32, rng: &mut R) -> SlotDraw {
    if set.is_empty() || epsilon <= 0.0 {
        return SlotDraw {
            row: None,
            propensity: 1.0,
            explored: false,
            arm: None,
        };
    }
    if rng.random::<f32>() < epsilon {
        let pick = set[rng.random_range(0..set.len())];
        SlotDraw {
            row: Some(*pick),
            propensity: epsilon / set.len() as f32,
            explored: true,
            arm: None,
        }
    } else {
        SlotDraw {
            row: None,
            propensity: 1.0 - epsilon,
            explored: false,
            arm: None,
        }
    }
}

/// Draws one slot with a bandit-chosen arm: the greedy row with probability `1 − ε`, else an
/// arm from `bandit` among those with eligible rows, then a uniform row of that arm. The
/// propensity is `ε · Σₐ P(a) · 1[row ∈ Eₐ] / |Eₐ|` (see [`crate::bandit::ExploreBandit`]).
pub(super) fn draw_bandit<R: Rng + ?Sized>(
    set: &[&Scored],
    epsilon: f32,
    bandit: &ExploreBandit,
    x: &[f64],
    rng: &mut R,
) -> Result<SlotDraw> {
    let members: Vec<Vec<&Scored>> = ARMS
        .iter()
        .map(|a| {
            set.iter()
                .copied()
                .filter(|s| s.sources.contains(*a))
                .collect()
        })
        .collect();
    let available: [bool; ARMS.len()] = std::array::from_fn(|a| !members[a].is_empty());
    if !available.contains(&true) || epsilon <= 0.0 {
        return Ok(draw(&[], epsilon, rng));
    }
    if rng.random::<f32>() >= epsilon {
        return Ok(SlotDraw {
            row: None,
            propensity: 1.0 - epsilon,
            explored: false,
            arm: None,
        });
    }
    let Some(choice) = bandit.draw(x, &available, rng)? else {
        return Ok(draw(&[], epsilon, rng));
    };
    let arm = &members[choice.arm];
    let pick = arm[rng.random_range(0..arm.len())];
    let p: f64 = members
        .iter()
        .zip(choice.probabilities)
        .filter(|(m, _)| m.iter().any(|s| s.item == pick.item))
        .map(|(m, p)| p / m.len() as f64)
        .sum();
    Ok(SlotDraw {
        row: Some(*pick),
        propensity: epsilon * p as f32,
        explored: true,
        arm: Some(ARMS[choice.arm]),
    })
}
