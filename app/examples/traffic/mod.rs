//! The traffic simulator's core, shared by the `traffic` example and its test: the demo shop
//! over HTTP ([`storefront`]), one shopper's visit ([`visit`]), simulated days of visits
//! ([`run`]) and the per-arm report ([`report`]).

pub mod report;
pub mod run;
pub mod storefront;
pub mod visit;

use serde_json::{Value, json};

/// The experiment the simulator runs unless given one: the shop's (diversified) settings as
/// the control against relevance only, half the shoppers each, on `surface`. No guard rail:
/// the comparison is meant to run to its end.
#[must_use]
pub fn experiment(name: &str, surface: &str) -> Value {
    json!({
        "name": name,
        "surface": surface,
        "arms": [
            {"name": "diversified", "share": 50, "policy": {"kind": "current"}},
            {"name": "relevance_only", "share": 50, "policy": {"kind": "relevance_only"}},
        ],
        "design": {"guard_margin": null},
    })
}
