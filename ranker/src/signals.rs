//! Caller-owned state that informs a request beyond the pool and the context.

use crate::bandit::ExploreBandit;
use crate::exposure::ExposureLedger;
use crate::merchant::MerchantRules;

/// Optional state the app keeps between requests and lends to
/// [`Ranker::rank_with`](crate::Ranker::rank_with) / [`Ranker::serve_with`](crate::Ranker::serve_with).
/// [`Signals::default`] (nothing) makes them behave exactly like `rank` / `serve`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signals<'a> {
    /// Recent impressions across shoppers: turns on the exposure penalty
    /// ([`ExposureConfig`](crate::ExposureConfig)).
    pub exposure: Option<&'a ExposureLedger>,
    /// The exploration-arm bandit, used by policies whose exploration selects arms with
    /// [`ArmSelection::Bandit`](crate::policy::ArmSelection::Bandit).
    pub bandit: Option<&'a ExploreBandit>,
    /// The merchant's rules (pin, exclude, boost, bury), applied by
    /// [`Ranker::serve_with`](crate::Ranker::serve_with) before the hard rules.
    pub rules: Option<&'a MerchantRules>,
}

impl<'a> Signals<'a> {
    /// Sets the exposure ledger.
    #[must_use]
    pub fn with_exposure(mut self, ledger: &'a ExposureLedger) -> Self {
        self.exposure = Some(ledger);
        self
    }

    /// Sets the merchant rules.
    #[must_use]
    pub fn with_rules(mut self, rules: &'a MerchantRules) -> Self {
        self.rules = Some(rules);
        self
    }

    /// Sets the exploration bandit.
    #[must_use]
    pub fn with_bandit(mut self, bandit: &'a ExploreBandit) -> Self {
        self.bandit = Some(bandit);
        self
    }
}
