//! Integration tests of the ranker's public API: one test binary, one module per area.

mod bad_input;
mod generators;
mod helpers;
mod ope;
mod properties;
mod rules;
mod serving;
