//! What a merchant reads about a saved rule: whether the storefront applies it now, a
//! one-line status, and a machine-readable warning when it does nothing (it matches no
//! product, its product was deleted or archived, its window ended), so a save that does
//! nothing is not shown as a success.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::document::{RuleDoc, Target};

/// Why a rule does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// The one product it names was deleted or archived.
    ProductInactive,
    /// No active product matches it.
    MatchesNothing,
    /// Its date window is over.
    Ended,
}

/// A warning about a rule that was saved (or previewed) but does nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleWarning {
    /// Machine-readable reason.
    pub code: WarningCode,
    /// What the merchant reads ("product 42 was deleted or archived").
    pub message: String,
}

/// Why `rule`, matching `matches` active products at `now`, does nothing, if it does.
/// A rule that has not started yet is not warned about: it will apply.
#[must_use]
pub fn warning(rule: &RuleDoc, matches: usize, now: DateTime<Utc>) -> Option<RuleWarning> {
    let (code, message) = match (&rule.target, matches, rule.ends_at) {
        (Target::Product { product_id }, 0, _) => (
            WarningCode::ProductInactive,
            format!("product {product_id} was deleted or archived"),
        ),
        (_, 0, _) => (
            WarningCode::MatchesNothing,
            "matches no products".to_owned(),
        ),
        (_, _, Some(end)) if now >= end => (WarningCode::Ended, format!("ended {end}")),
        _ => return None,
    };
    Some(RuleWarning { code, message })
}

/// Whether `rule` applies now, and what to tell the merchant about it.
pub(crate) fn status(rule: &RuleDoc, matches: usize, now: DateTime<Utc>) -> (bool, String) {
    let plural = if matches == 1 { "" } else { "s" };
    match warning(rule, matches, now) {
        Some(w) if w.code == WarningCode::ProductInactive => (
            false,
            format!("inactive: {}; the storefront ignores this rule", w.message),
        ),
        // Kept as the listing has always said it.
        Some(w) if w.code == WarningCode::MatchesNothing => {
            (false, "matches 0 products".to_owned())
        }
        Some(w) => (false, w.message),
        None => match rule.starts_at {
            Some(start) if now < start => (
                false,
                format!("scheduled: starts {start}; matches {matches} product{plural}"),
            ),
            _ => (true, format!("active: matches {matches} product{plural}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use ranker::Action;

    use super::*;

    fn rule(target: Target, ends_at: Option<DateTime<Utc>>) -> RuleDoc {
        RuleDoc {
            action: Action::Exclude,
            target,
            surface: None,
            starts_at: None,
            ends_at,
        }
    }

    #[test]
    fn a_rule_that_does_nothing_is_warned_about_and_one_that_applies_is_not() {
        let now = Utc::now();
        let product = rule(Target::Product { product_id: 42 }, None);
        let tag = rule(Target::Tag { tag: "x".into() }, None);
        let ended = rule(
            Target::Tag { tag: "x".into() },
            Some(now - chrono::Duration::days(1)),
        );

        let code = |r: &RuleDoc, matches| warning(r, matches, now).map(|w| w.code);

        assert_eq!(code(&product, 0), Some(WarningCode::ProductInactive));
        assert_eq!(
            warning(&product, 0, now).map(|w| w.message).as_deref(),
            Some("product 42 was deleted or archived")
        );
        assert_eq!(code(&tag, 0), Some(WarningCode::MatchesNothing));
        assert_eq!(code(&ended, 3), Some(WarningCode::Ended));
        assert_eq!(code(&tag, 3), None);
        assert_eq!(
            status(&tag, 3, now),
            (true, "active: matches 3 products".into())
        );
        assert_eq!(status(&tag, 0, now), (false, "matches 0 products".into()));
    }
}
