//! What the merchant's preview says about merchant rules: where a pin went and why it
//! moved ("pinned to slot 2 by rule 3; moved to slot 4: a third Acme item in the top 4"),
//! and which rule boosted or buried an item.

use std::collections::HashMap;

use ranker::{Action, Blocked, MerchantRules, PinOutcome, Surface};

/// How the preview names a rule (0 is the unsaved one).
fn rule_name(id: i64) -> String {
    if id == 0 {
        "the unsaved rule".to_owned()
    } else {
        format!("rule {id}")
    }
}

fn ordinal(n: usize) -> String {
    const WORDS: [&str; 9] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    ];
    WORDS
        .get(n.wrapping_sub(1))
        .map_or_else(|| format!("{n}th"), |w| (*w).to_owned())
}

/// Why a pin is not where it asked to be; `brand` is the pinned product's.
fn why(blocked: Blocked, brand: &str) -> String {
    match blocked {
        Blocked::SlotOne => "slot 1 always shows the most relevant item".to_owned(),
        Blocked::BrandCap { max, window } => {
            format!("a {} {brand} item in the top {window}", ordinal(max + 1))
        }
        Blocked::FamilyDedupe => "another variant of the product is in the list".to_owned(),
        Blocked::OutOfStock => "it is out of stock".to_owned(),
        Blocked::Excluded { by } => format!("{} excludes it", rule_name(by)),
        Blocked::NotEligible => {
            "it is the product on the page (or a variant of it), or not in the catalog".to_owned()
        }
        Blocked::NoSlotFits => "no slot keeps the brand cap and the variant dedupe".to_owned(),
        Blocked::ShortList => "the list is shorter than the slot".to_owned(),
        Blocked::AnotherPin => "another pin took the slot".to_owned(),
    }
}

/// What became of one pin.
#[must_use]
pub fn pin_note(outcome: &PinOutcome, brand: &str) -> String {
    let pinned = format!(
        "pinned to slot {} by {}",
        outcome.slot,
        rule_name(outcome.rule)
    );
    match (outcome.placed, outcome.blocked) {
        (Some(_), None) => pinned,
        (Some(at), Some(blocked)) => {
            format!("{pinned}; moved to slot {at}: {}", why(blocked, brand))
        }
        (None, blocked) => format!(
            "{pinned}; not shown: {}",
            why(blocked.unwrap_or(Blocked::NoSlotFits), brand)
        ),
    }
}

/// What rule `id` did to an item it shifted.
#[must_use]
pub fn shift_note(rules: &MerchantRules, id: i64) -> Option<String> {
    let rule = rules.rules().iter().find(|r| r.id == id)?;
    let verb = match rule.action {
        Action::Boost { .. } => "boosted",
        Action::Bury { .. } => "buried",
        Action::Pin { .. } | Action::Exclude => return None,
    };
    Some(format!("{verb} by {}", rule_name(id)))
}

/// Notes for the rules that apply on `surface` at `now` but match no product, so do
/// nothing ("rule 3: product 42 was deleted or archived; ignored"); `why` says what each
/// rule matched (its warning), by rule id, and defaults to "matches no products".
#[must_use]
pub fn idle_notes(
    rules: &MerchantRules,
    surface: Surface,
    now: i64,
    why: &HashMap<i64, String>,
) -> Vec<String> {
    rules
        .rules()
        .iter()
        .filter(|r| r.applies(surface, now) && r.products().is_empty())
        .map(|r| {
            let reason = why.get(&r.id).map_or("matches no products", String::as_str);
            format!("{}: {reason}; ignored", rule_name(r.id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_applying_here_that_matches_nothing_is_noted_with_its_reason() {
        let rules = MerchantRules::new(vec![
            ranker::MerchantRule::new(3, Action::Exclude, []),
            ranker::MerchantRule::new(4, Action::Exclude, []).on(Surface::Home),
            ranker::MerchantRule::new(5, Action::Exclude, []).on(Surface::Product),
            ranker::MerchantRule::new(6, Action::Exclude, [9]),
            ranker::MerchantRule::new(0, Action::Exclude, []).on(Surface::Home),
        ]);
        let why = HashMap::from([(3, "product 42 was deleted or archived".to_owned())]);

        let notes = idle_notes(&rules, Surface::Home, 0, &why);

        assert_eq!(
            notes,
            [
                "the unsaved rule: matches no products; ignored",
                "rule 3: product 42 was deleted or archived; ignored",
                "rule 4: matches no products; ignored",
            ]
        );
    }

    #[test]
    fn a_moved_pin_says_where_it_asked_to_go_where_it_went_and_why() {
        let moved = PinOutcome {
            rule: 3,
            product: 7,
            slot: 2,
            placed: Some(4),
            blocked: Some(Blocked::BrandCap { max: 2, window: 8 }),
        };
        let dropped = PinOutcome {
            placed: None,
            blocked: Some(Blocked::OutOfStock),
            rule: 0,
            ..moved
        };

        assert_eq!(
            pin_note(&moved, "Acme"),
            "pinned to slot 2 by rule 3; moved to slot 4: a third Acme item in the top 8"
        );
        assert_eq!(
            pin_note(&dropped, "Acme"),
            "pinned to slot 2 by the unsaved rule; not shown: it is out of stock"
        );
    }
}
