//! What an experiment is: its scope (surface, module, shopper segment, traffic source), its
//! arms (a traffic share and a policy each; the first arm is the control the others are
//! compared with) and its statistical design; validated field by field like the settings.

use chrono::{DateTime, Utc};
use ranker::{Surface, TrafficSource};
use serde::{Deserialize, Serialize};

use crate::settings::{FieldError, SurfaceSettings, validate};
use crate::surface;

/// The surfaces an experiment can run on: those served per request with merchant settings
/// (email lists are precomputed and search has its own ranking, so neither can split
/// traffic through serving).
pub const EXPERIMENT_SURFACES: [Surface; 3] = [Surface::Home, Surface::Product, Surface::Cart];
/// Shares are whole percentages summing to this.
pub const TOTAL_SHARE: u32 = 100;
/// Arms an experiment may have.
const ARMS: std::ops::RangeInclusive<usize> = 2..=4;
/// Longest experiment name.
const MAX_NAME_CHARS: usize = 80;

/// New or returning shoppers (see `experiments::assignment` for how it is told).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visitor {
    /// Everyone.
    #[default]
    All,
    /// Shoppers Meander has no profile of yet.
    New,
    /// Shoppers with a profile (activity in the 30 days before the last precompute).
    Returning,
}

/// Logged-in customers or anonymous browsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// Everyone.
    #[default]
    All,
    /// Requests naming a logged-in customer.
    Customer,
    /// Requests without one.
    Anonymous,
}

/// What an arm serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ArmPolicy {
    /// The shop's settings in force (the usual control).
    Current,
    /// A settings document for the surface (e.g. another exploration share).
    Settings {
        /// The document, validated like a save.
        settings: SurfaceSettings,
    },
    /// Relevance only: the surface's default modules scored on relevance alone, without
    /// exploration and without brand or seller caps (a holdout of the diversification).
    RelevanceOnly,
    /// No module at all (a holdout of the recommendations themselves).
    NoModule,
}

/// Why and when an arm stopped serving its policy while the experiment runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmStop {
    /// When.
    pub at: DateTime<Utc>,
    /// Why (the guard rail's finding).
    pub reason: String,
}

/// One arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// Name, unique within the experiment (`a-z`, `0-9`, `_`, `-`).
    pub name: String,
    /// Whole percent of the experiment's traffic.
    pub share: u32,
    /// What it serves.
    pub policy: ArmPolicy,
    /// Set when a guard rail stopped it: its shoppers get the control's policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<ArmStop>,
}

/// The statistical design, fixed before the start (the sequential test must not be tuned on
/// the data it judges).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Design {
    /// Level of the sequential test: the chance of ever declaring a false win.
    pub alpha: f64,
    /// Expected click-through rate of the control's impressions.
    pub baseline_ctr: f64,
    /// Expected share of the control's sessions that add to cart.
    pub baseline_cart_rate: f64,
    /// Smallest relative effect worth finding (0.1 = ±10 %).
    pub min_effect: f64,
    /// Guard rail: stop an arm whose CTR or revenue per session is lower than the control's
    /// by more than this share of the control's, with confidence (`None`: no guard rail).
    pub guard_margin: Option<f64>,
    /// Expected revenue per session of the control, in minor units of the shop currency: it
    /// scales the sequential test of revenue per session. `None`: the control's observed mean
    /// at each look (a plug-in, like the variance).
    pub baseline_revenue_per_session: Option<f64>,
}

impl Default for Design {
    fn default() -> Self {
        Self {
            alpha: 0.05,
            baseline_ctr: 0.05,
            baseline_cart_rate: 0.08,
            min_effect: 0.1,
            guard_margin: Some(0.2),
            baseline_revenue_per_session: None,
        }
    }
}

/// An experiment as the merchant defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// Name, unique per shop.
    pub name: String,
    /// Surface name (`home`, `pdp`, `cart`).
    pub surface: String,
    /// The one module it is about (`None`: every module of the surface).
    #[serde(default)]
    pub module: Option<String>,
    /// New or returning shoppers.
    #[serde(default)]
    pub visitor: Visitor,
    /// Customers or anonymous browsers.
    #[serde(default)]
    pub identity: Identity,
    /// The one traffic source it is about (`None`: every source).
    #[serde(default)]
    pub traffic_source: Option<String>,
    /// The arms; the first is the control.
    pub arms: Vec<Arm>,
    /// The statistical design.
    #[serde(default)]
    pub design: Design,
}

impl Definition {
    /// The surface, once validated.
    #[must_use]
    pub fn surface(&self) -> Option<Surface> {
        surface::parse(&self.surface).filter(|s| EXPERIMENT_SURFACES.contains(s))
    }

    /// The traffic source, once validated (`None`: every source).
    #[must_use]
    pub fn source(&self) -> Option<TrafficSource> {
        let name = self.traffic_source.as_deref()?;
        TrafficSource::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// `holdout` when an arm withholds the module, else `ab`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        if self.arms.iter().any(|a| a.policy == ArmPolicy::NoModule) {
            "holdout"
        } else {
            "ab"
        }
    }

    /// The control arm (the first).
    #[must_use]
    pub fn control(&self) -> Option<&Arm> {
        self.arms.first()
    }

    /// Every problem of the definition at once.
    ///
    /// # Errors
    /// Each invalid field, named as in the JSON (`arms[1].share`, `design.alpha`, …).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = self.scope();
        errors.extend(self.arm_errors());
        errors.extend(design(&self.design));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn scope(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name_chars = self.name.trim().chars().count();
        if !(1..=MAX_NAME_CHARS).contains(&name_chars) {
            errors.push(field(
                "name",
                format!("must have 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        let Some(surface) = self.surface() else {
            errors.push(field("surface", "must be one of home, pdp, cart"));
            return errors;
        };
        if let Some(module) = &self.module
            && !crate::settings::default_spec(surface)
                .modules
                .iter()
                .any(|m| m.name == *module)
        {
            errors.push(field("module", "no such module on this surface"));
        }
        if self.traffic_source.is_some() && self.source().is_none() {
            errors.push(field(
                "traffic_source",
                "must be one of direct, search, social, email, paid, or null for all",
            ));
        }
        errors
    }

    fn arm_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !ARMS.contains(&self.arms.len()) {
            errors.push(field(
                "arms",
                "must have 2 to 4 arms, the first being the control",
            ));
        }
        for (i, arm) in self.arms.iter().enumerate() {
            let at = |name: &str| format!("arms[{i}].{name}");
            let valid_name = (1..=40).contains(&arm.name.len())
                && arm.name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                });
            if !valid_name {
                errors.push(field(at("name"), "1 to 40 of a-z, 0-9, _ and -"));
            } else if self.arms[..i].iter().any(|a| a.name == arm.name) {
                errors.push(field(at("name"), "another arm has this name"));
            }
            if arm.share == 0 {
                errors.push(field(at("share"), "an arm needs some traffic (1 to 99 %)"));
            }
            if let (ArmPolicy::Settings { settings }, Some(surface)) = (&arm.policy, self.surface())
                && let Err(bad) = validate(surface, settings)
            {
                errors.extend(bad.into_iter().map(|e| FieldError {
                    field: format!("arms[{i}].policy.settings.{}", e.field),
                    message: e.message,
                }));
            }
        }
        let total: u32 = self.arms.iter().map(|a| a.share).sum();
        if total != TOTAL_SHARE {
            errors.push(field(
                "arms",
                format!("the shares must add up to {TOTAL_SHARE} % (they add up to {total} %)"),
            ));
        }
        errors
    }
}

fn design(d: &Design) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let within = |x: f64, low: f64, high: f64| x.is_finite() && x > low && x < high;
    if !within(d.alpha, 0.0, 0.5) {
        errors.push(field("design.alpha", "must be above 0 and below 0.5"));
    }
    for (name, rate) in [
        ("baseline_ctr", d.baseline_ctr),
        ("baseline_cart_rate", d.baseline_cart_rate),
    ] {
        if !within(rate, 0.0, 1.0) || !within(rate * (1.0 + d.min_effect), 0.0, 1.0) {
            errors.push(field(
                format!("design.{name}"),
                "must be a rate above 0 that stays below 1 with the effect added",
            ));
        }
    }
    if !within(d.min_effect, 0.0, 10.0) {
        errors.push(field("design.min_effect", "must be above 0 (0.1 = 10 %)"));
    }
    if let Some(margin) = d.guard_margin
        && !within(margin, 0.0, 1.0)
    {
        errors.push(field(
            "design.guard_margin",
            "must be above 0 and below 1, or null",
        ));
    }
    if let Some(revenue) = d.baseline_revenue_per_session
        && !within(revenue, 0.0, f64::MAX)
    {
        errors.push(field(
            "design.baseline_revenue_per_session",
            "must be an amount above 0 in minor units, or null",
        ));
    }
    errors
}

fn field(name: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: name.into(),
        message: message.into(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Relevance-only against the shop's settings on product pages, 50/50.
    pub(crate) fn definition() -> Definition {
        Definition {
            name: "diversified vs relevance".into(),
            surface: "pdp".into(),
            module: None,
            visitor: Visitor::All,
            identity: Identity::All,
            traffic_source: None,
            arms: vec![
                arm("control", 50, ArmPolicy::Current),
                arm("relevance", 50, ArmPolicy::RelevanceOnly),
            ],
            design: Design::default(),
        }
    }

    pub(crate) fn arm(name: &str, share: u32, policy: ArmPolicy) -> Arm {
        Arm {
            name: name.into(),
            share,
            policy,
            stopped: None,
        }
    }

    fn fields(edit: impl FnOnce(&mut Definition)) -> Vec<String> {
        let mut d = definition();
        edit(&mut d);
        d.validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_plain_split_validates() {
        assert_eq!(fields(|_| {}), Vec::<String>::new());
        assert_eq!(definition().kind(), "ab");
    }

    #[test]
    fn zero_traffic_and_shares_off_100_are_named() {
        assert_eq!(fields(|d| d.arms[1].share = 0), ["arms[1].share", "arms"]);
        assert_eq!(fields(|d| d.arms[1].share = 40), ["arms"]);
        assert_eq!(fields(|d| d.arms.truncate(1)), ["arms", "arms"]);
    }

    #[test]
    fn an_arm_settings_document_is_checked_by_the_settings_validator() {
        let mut bad = SurfaceSettings::defaults(Surface::Product);
        bad.exploration.share = 0.5;
        let found = fields(|d| d.arms[1].policy = ArmPolicy::Settings { settings: bad });
        assert_eq!(found, ["arms[1].policy.settings.exploration.share"]);
    }

    #[test]
    fn scope_and_design_fields_are_named() {
        let found = fields(|d| {
            d.name = " ".into();
            d.module = Some("nope".into());
            d.traffic_source = Some("tv".into());
            d.arms[1].name = "Bad Name".into();
            d.design.alpha = 0.0;
            d.design.guard_margin = Some(1.5);
            d.design.baseline_revenue_per_session = Some(-3.0);
        });
        assert_eq!(
            found,
            [
                "name",
                "module",
                "traffic_source",
                "arms[1].name",
                "design.alpha",
                "design.guard_margin",
                "design.baseline_revenue_per_session"
            ]
        );
        assert_eq!(fields(|d| d.surface = "search".into()), ["surface"]);
        assert_eq!(
            fields(|d| d.arms[1].name = "control".into()),
            ["arms[1].name"]
        );
    }
}
