//! Ranker settings and the builder that validates them.

use serde::{Deserialize, Serialize};

use super::Ranker;
use crate::error::Result;
use crate::exposure::ExposureConfig;
use crate::intent::IntentConfig;
use crate::rerank::Policy;
use crate::rerank::rules::RuleSet;
use crate::rerank::similarity::SimilarityConfig;
use crate::scoring::Weights;

/// Everything a [`Ranker`] is configured with; see [`RankerBuilder`] for the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankerSettings {
    /// Blend weights.
    pub weights: Weights,
    /// Re-ranking policy.
    pub policy: Policy,
    /// Hard rules (constrained policy; stock filtering applies to every policy).
    pub rules: RuleSet,
    /// Intent detection.
    pub intent: IntentConfig,
    /// Similarity used by every diversifying policy.
    pub similarity: SimilarityConfig,
    /// How many top-scored candidates the re-ranker considers.
    pub shortlist: usize,
    /// The exposure penalty applied when the caller passes an exposure ledger.
    #[serde(default)]
    pub exposure: ExposureConfig,
}

/// Builds a [`Ranker`]. Defaults: [`Weights::default`], [`Policy::Constrained`],
/// [`RuleSet::default`], [`IntentConfig::default`], [`SimilarityConfig::default`], shortlist 500,
/// [`ExposureConfig::default`].
#[derive(Debug, Clone)]
pub struct RankerBuilder {
    settings: RankerSettings,
}

impl Default for RankerBuilder {
    fn default() -> Self {
        Self {
            settings: RankerSettings {
                weights: Weights::default(),
                policy: Policy::Constrained,
                rules: RuleSet::default(),
                intent: IntentConfig::default(),
                similarity: SimilarityConfig::default(),
                shortlist: 500,
                exposure: ExposureConfig::default(),
            },
        }
    }
}

impl RankerBuilder {
    /// Sets the blend weights (validated by [`RankerBuilder::build`]).
    #[must_use]
    pub fn weights(mut self, weights: Weights) -> Self {
        self.settings.weights = weights;
        self
    }

    /// Sets the policy.
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.settings.policy = policy;
        self
    }

    /// Sets the hard rules.
    #[must_use]
    pub fn rules(mut self, rules: RuleSet) -> Self {
        self.settings.rules = rules;
        self
    }

    /// Sets intent detection.
    #[must_use]
    pub fn intent(mut self, intent: IntentConfig) -> Self {
        self.settings.intent = intent;
        self
    }

    /// Sets the similarity kernels.
    #[must_use]
    pub fn similarity(mut self, similarity: SimilarityConfig) -> Self {
        self.settings.similarity = similarity;
        self
    }

    /// Sets the shortlist size (at least `k` is always considered).
    #[must_use]
    pub fn shortlist(mut self, shortlist: usize) -> Self {
        self.settings.shortlist = shortlist;
        self
    }

    /// Sets the exposure penalty (used only with an [`crate::ExposureLedger`]).
    #[must_use]
    pub fn exposure(mut self, exposure: ExposureConfig) -> Self {
        self.settings.exposure = exposure;
        self
    }

    /// Validates everything and returns the ranker (weights normalised to sum to 1).
    ///
    /// # Errors
    /// [`crate::RankerError::InvalidWeights`] or [`crate::RankerError::InvalidParameter`].
    pub fn build(mut self) -> Result<Ranker> {
        self.settings.weights = self.settings.weights.validated()?;
        self.settings.policy.validate()?;
        self.settings.rules.validate()?;
        self.settings.similarity.validate()?;
        self.settings.exposure.validate()?;
        Ok(Ranker {
            settings: self.settings,
        })
    }
}
