//! Contextual bandits over request features: LinUCB and linear Thompson sampling.
//!
//! Both keep one ridge-regression model per arm (Li et al. 2010, "disjoint" LinUCB): `A⁻¹`
//! (updated by Sherman–Morrison, O(d²) per update) and `θ = A⁻¹ b`. Every choice carries the
//! probability that the policy makes it, for the impression log:
//! - LinUCB is deterministic (ties go to the lowest arm), so the propensity is 1;
//! - Thompson sampling draws `θ̃ₐ ~ N(θₐ, v² A⁻¹ₐ)`; for one context the arm scores
//!   `xᵀθ̃ₐ ~ N(xᵀθₐ, v² xᵀA⁻¹ₐx)` are independent normals, so the propensity of the chosen arm
//!   is the one-dimensional integral `∫ φₐ(s) Π_{b≠a} Φ_b(s) ds`, computed by the trapezoid rule
//!   over ±7 standard deviations with a step of a quarter of the narrowest arm's deviation
//!   (57 points when the arms' deviations are alike; exponentially accurate for this smooth
//!   integrand, sum over arms within 1e-6 of 1 in the tests) — no Monte Carlo needed.
//!
//! [`ExploreBandit`] wires either into serving: it picks which candidate source an exploration
//! slot draws from (see its module docs for the propensities).

mod explore;
mod features;
mod linear;
mod thompson;

pub use explore::{ARMS, ExploreBandit};
pub use features::{FEATURES, context_features};
pub use linear::{Choice, LinUcb};
pub use thompson::LinearThompson;
