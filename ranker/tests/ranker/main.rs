//! Integration tests of the ranker's public API: one test binary, one module per area.

mod bad_input;
mod bandit_serving;
mod complements;
mod exposure;
mod generators;
mod helpers;
mod merchant_rules;
mod ope;
mod properties;
mod rules;
mod search;
mod serving;
