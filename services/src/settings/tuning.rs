//! Settings applied: each tuned surface's settings mapped onto the ranker's default policy
//! and rule set, and [`Tuning`], what serving and precompute run for a shop.

use std::collections::BTreeMap;

use ranker::policy::PolicySpec;
use ranker::{
    MerchantRules, PolicySet, Ranker, RankerBuilder, RuleSet, SimilarityConfig, Surface,
    SurfacePolicy,
};

use super::document::{SurfaceSettings, default_spec};
use crate::surface;

/// One surface's settings, applied.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The surface policy.
    pub policy: SurfacePolicy,
    /// The ranker with the surface's rules (brand cap, seller share).
    pub ranker: Ranker,
    /// Module titles by module name.
    pub titles: BTreeMap<String, String>,
}

/// The default policy of `surface` with `settings` written over it: the weights, stock
/// filter and exploration of every module, slots scaled so the longest module has
/// `list_length` (each keeps its proportion, and at least one), new-arrival and exploration
/// slots beyond a shortened module dropped.
fn spec(surface: Surface, settings: &SurfaceSettings) -> PolicySpec {
    let mut spec = default_spec(surface);
    let longest = spec
        .modules
        .iter()
        .map(|m| m.slots)
        .max()
        .unwrap_or(1)
        .max(1);
    for m in &mut spec.modules {
        let scaled = (m.slots * settings.list_length + longest / 2) / longest;
        m.slots = scaled.max(1);
        m.weights = Some(settings.weights);
        m.in_stock_only = settings.in_stock_only;
        let slots = m.slots;
        m.new_arrival_slots.retain(|s| *s < slots);
    }
    let modules = spec.modules.clone();
    let e = &mut spec.exploration;
    e.enabled = settings.exploration.enabled;
    e.max_share = settings.exploration.share;
    for cap in e.max_share_by_source.values_mut() {
        *cap = cap.min(settings.exploration.share);
    }
    e.slots.retain(|slot| {
        modules
            .iter()
            .any(|m| m.name == slot.module && slot.slot < m.slots)
    });
    spec
}

/// Applies `settings` to `surface`.
///
/// # Errors
/// The ranker's message when it refuses the result.
pub(crate) fn apply(surface: Surface, settings: &SurfaceSettings) -> Result<Applied, String> {
    let policy = spec(surface, settings)
        .validate()
        .map_err(|err| err.to_string())?;
    let defaults = RuleSet::default();
    let rules = RuleSet {
        brand_cap: settings
            .brand_cap
            .map(|max| (max, defaults.brand_cap.map_or(8, |(_, window)| window))),
        max_vendor_share: settings.seller_share,
        exclude_out_of_stock: settings.in_stock_only,
        ..defaults
    };
    let ranker = ranker_builder(surface)
        .rules(rules)
        .build()
        .map_err(|err| err.to_string())?;
    Ok(Applied {
        policy,
        ranker,
        titles: settings.module_titles.clone(),
    })
}

/// Generic searches should span price levels as well as categories; elsewhere the list's
/// seed or the shopper's taste sets the price level, and prices stay out of the similarity.
const SEARCH_PRICE_SIMILARITY: f32 = 0.15;

/// The ranker of `surface` before the merchant's settings: the default one, with the price
/// kernel on for search.
fn ranker_builder(surface: Surface) -> RankerBuilder {
    let builder = Ranker::builder();
    if surface == Surface::Search {
        builder.similarity(SimilarityConfig {
            price: SEARCH_PRICE_SIMILARITY,
            ..SimilarityConfig::default()
        })
    } else {
        builder
    }
}

/// What serving and precompute run for one shop: the policy set with the merchant's saved
/// surfaces written over the defaults, one ranker per surface, the module titles, the
/// settings versions it was built from, and the merchant's rules.
#[derive(Debug, Clone)]
pub struct Tuning {
    policies: PolicySet,
    rankers: Vec<(Surface, Ranker)>,
    default_ranker: Ranker,
    titles: Vec<(Surface, BTreeMap<String, String>)>,
    versions: BTreeMap<String, i64>,
    rules: MerchantRules,
}

/// The search ranker when the merchant has not saved search settings (the default ranker
/// would leave out its price kernel).
fn default_search_ranker(
    applied: &[(Surface, i64, Applied)],
) -> Result<Option<(Surface, Ranker)>, ranker::RankerError> {
    if applied.iter().any(|(s, _, _)| *s == Surface::Search) {
        return Ok(None);
    }
    Ok(Some((
        Surface::Search,
        ranker_builder(Surface::Search).build()?,
    )))
}

impl Tuning {
    /// The ranker's defaults everywhere.
    ///
    /// # Errors
    /// The ranker's error if its defaults did not build (a unit test checks they do).
    pub fn defaults() -> Result<Self, ranker::RankerError> {
        Self::new(&[])
    }

    /// The defaults with each `(surface, version, applied)` written over them.
    ///
    /// # Errors
    /// As [`Tuning::defaults`].
    pub fn new(applied: &[(Surface, i64, Applied)]) -> Result<Self, ranker::RankerError> {
        let base = PolicySet::default();
        let policies = surface::ALL
            .into_iter()
            .map(|s| {
                applied
                    .iter()
                    .find(|(t, _, _)| *t == s)
                    .map_or_else(|| base.get(s).clone(), |(_, _, a)| a.policy.clone())
            })
            .collect();
        Ok(Self {
            policies: PolicySet::new(policies, base.cold_start().clone()),
            rankers: default_search_ranker(applied)?
                .into_iter()
                .chain(applied.iter().map(|(s, _, a)| (*s, a.ranker.clone())))
                .collect(),
            default_ranker: Ranker::builder().build()?,
            titles: applied
                .iter()
                .map(|(s, _, a)| (*s, a.titles.clone()))
                .collect(),
            versions: applied
                .iter()
                .map(|(s, v, _)| (surface::name(*s).to_owned(), *v))
                .collect(),
            rules: MerchantRules::default(),
        })
    }

    /// These settings with `surface` replaced by a draft (the admin's preview of an
    /// unsaved change).
    #[must_use]
    pub fn with_draft(&self, surface: Surface, draft: Applied) -> Self {
        let policies = surface::ALL
            .into_iter()
            .map(|s| {
                if s == surface {
                    draft.policy.clone()
                } else {
                    self.policies.get(s).clone()
                }
            })
            .collect();
        let mut next = self.clone();
        next.policies = PolicySet::new(policies, self.policies.cold_start().clone());
        next.rankers.retain(|(s, _)| *s != surface);
        next.rankers.push((surface, draft.ranker));
        next.titles.retain(|(s, _)| *s != surface);
        next.titles.push((surface, draft.titles));
        next
    }

    /// These settings with `rules` as the merchant's rules.
    #[must_use]
    pub fn with_rules(mut self, rules: MerchantRules) -> Self {
        self.rules = rules;
        self
    }

    /// The merchant's rules (pin, exclude, boost, bury).
    #[must_use]
    pub fn rules(&self) -> &MerchantRules {
        &self.rules
    }

    /// The surface policies.
    #[must_use]
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// The ranker of `surface` (its brand cap and seller share).
    #[must_use]
    pub fn ranker(&self, surface: Surface) -> &Ranker {
        self.rankers
            .iter()
            .find(|(s, _)| *s == surface)
            .map_or(&self.default_ranker, |(_, r)| r)
    }

    /// The shopper-facing title of `module` on `surface`.
    #[must_use]
    pub fn title(&self, surface: Surface, module: &str) -> String {
        self.titles
            .iter()
            .find(|(s, _)| *s == surface)
            .and_then(|(_, titles)| titles.get(module).cloned())
            .unwrap_or_else(|| surface::module_title(module))
    }

    /// The settings version of each saved surface this was built from (absent: defaults).
    #[must_use]
    pub fn versions(&self) -> &BTreeMap<String, i64> {
        &self.versions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_document_applies_as_the_default_policy() {
        for surface in super::super::SURFACES {
            let applied = apply(surface, &SurfaceSettings::defaults(surface)).unwrap();
            assert_eq!(applied.policy, PolicySet::default().get(surface).clone());
        }
    }

    #[test]
    fn a_longer_list_scales_every_module_and_a_short_one_drops_slots_beyond_it() {
        let mut settings = SurfaceSettings::defaults(Surface::Product);
        settings.list_length = 12;
        let longer = apply(Surface::Product, &settings).unwrap().policy;
        settings.list_length = 2;
        let shorter = apply(Surface::Product, &settings).unwrap().policy;

        let slots = |p: &SurfacePolicy| p.modules.iter().map(|m| m.slots).collect::<Vec<_>>();
        assert_eq!(slots(&longer), [12, 12, 6]);
        assert_eq!(slots(&shorter), [2, 2, 1]);
        assert!(shorter.exploration.slots.is_empty(), "slot 4 is gone");
    }

    #[test]
    fn a_saved_surface_replaces_only_its_own_policy_and_rules() {
        let mut settings = SurfaceSettings::defaults(Surface::Home);
        settings.brand_cap = Some(1);
        settings.exploration.enabled = false;
        let applied = apply(Surface::Home, &settings).unwrap();
        let tuning = Tuning::new(&[(Surface::Home, 3, applied)]).unwrap();

        assert!(!tuning.policies().get(Surface::Home).exploration.enabled);
        assert_eq!(
            tuning.ranker(Surface::Home).settings().rules.brand_cap,
            Some((1, 8))
        );
        assert_eq!(
            tuning.policies().get(Surface::Product),
            PolicySet::default().get(Surface::Product)
        );
        assert_eq!(tuning.versions()["home"], 3);
    }
}
