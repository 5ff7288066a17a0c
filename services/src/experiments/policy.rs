//! An arm's policy applied to a shop's tuning, the way serving applies a settings draft.
//! Resolved again whenever the running experiments are read, so an arm whose document no
//! longer validates (the validator tightened, the surface lost a module) is found at serve
//! time rather than trusted from the day it started.

use ranker::{Surface, Weights};

use super::definition::ArmPolicy;
use crate::settings::{FieldError, SurfaceSettings, Tuning, validate};

/// What one arm serves.
#[derive(Debug, Clone)]
pub enum Served {
    /// These settings.
    Tuned(Box<Tuning>),
    /// Nothing: the module is withheld.
    Withheld,
}

/// The settings a relevance-only arm serves on `surface`: the surface's defaults scored on
/// relevance alone, without exploration and without brand or seller caps.
fn relevance_only(surface: Surface) -> SurfaceSettings {
    let mut settings = SurfaceSettings::defaults(surface);
    settings.weights = Weights {
        relevance: 1.0,
        intent: 0.0,
        margin: 0.0,
        inventory: 0.0,
        novelty: 0.0,
    };
    settings.exploration.enabled = false;
    settings.brand_cap = None;
    settings.seller_share = None;
    settings
}

impl ArmPolicy {
    /// What the arm serves on `surface` given the shop's tuning `base`.
    ///
    /// # Errors
    /// The settings validator's field errors when the arm's document no longer validates.
    pub fn resolve(&self, surface: Surface, base: &Tuning) -> Result<Served, Vec<FieldError>> {
        let draft = match self {
            Self::Current => return Ok(Served::Tuned(Box::new(base.clone()))),
            Self::NoModule => return Ok(Served::Withheld),
            Self::Settings { settings } => settings.clone(),
            Self::RelevanceOnly => relevance_only(surface),
        };
        let applied = validate(surface, &draft)?;
        Ok(Served::Tuned(Box::new(base.with_draft(surface, applied))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tuned(served: Result<Served, Vec<FieldError>>) -> Tuning {
        match served {
            Ok(Served::Tuned(tuning)) => *tuning,
            other => panic!("expected settings, got {other:?}"),
        }
    }

    #[test]
    fn relevance_only_turns_exploration_off_and_weighs_relevance_alone() {
        let base = Tuning::defaults().unwrap();
        assert!(base.policies().get(Surface::Product).exploration.enabled);
        let arm = tuned(ArmPolicy::RelevanceOnly.resolve(Surface::Product, &base));
        let policy = arm.policies().get(Surface::Product);
        assert!(!policy.exploration.enabled);
        assert!(policy.modules.iter().all(|m| m.weights.margin == 0.0));
        assert_eq!(
            arm.ranker(Surface::Product).settings().rules.brand_cap,
            None
        );
        // Other surfaces keep the shop's settings.
        assert_eq!(
            arm.policies().get(Surface::Home),
            base.policies().get(Surface::Home)
        );
    }

    #[test]
    fn a_document_that_no_longer_validates_is_reported_not_served() {
        let base = Tuning::defaults().unwrap();
        let mut settings = SurfaceSettings::defaults(Surface::Cart);
        settings.exploration.enabled = true;
        let err = ArmPolicy::Settings { settings }
            .resolve(Surface::Cart, &base)
            .unwrap_err();
        assert_eq!(err[0].field, "exploration.enabled");
        assert!(matches!(
            ArmPolicy::NoModule.resolve(Surface::Cart, &base),
            Ok(Served::Withheld)
        ));
    }
}
