//! Experiments and holdouts served through the real serving path (issue #19).
//!
//! A merchant defines an experiment ([`Definition`]) on one surface, optionally one module,
//! visitor segment (new, returning), identity (customer, anonymous) and traffic source, with
//! two to four arms whose whole-percent shares sum to 100. Each arm is a policy: the shop's
//! settings, another settings document (checked by the settings validator), relevance only,
//! or no module (a holdout). The first arm is the control.
//!
//! - [`store`]: draft → running → stopped; a start that would share traffic with another
//!   running experiment is refused, naming it.
//! - [`assign`] and [`assignment`]: a salted hash of the shopper's id picks the arm; the
//!   first exposure records it, sticky across sessions and, once the customer is known,
//!   devices.
//! - [`policy`]: an arm's policy applied to the shop's tuning at serve time; one that no
//!   longer validates falls back to the control (the serving side logs the impression
//!   without an arm and the results report it).
//! - [`results`] and [`guard`]: per-arm rates with intervals, the always-valid sequential
//!   test against the control (`ranker::stats`), the sample size before start, and the guard
//!   rail that stops an arm whose CTR or revenue per session falls too far below the
//!   control's with confidence.
//! - [`value`]: customer value per arm, the revenue of its customers within 60, 90 and 180
//!   days of their assignment.

pub mod assign;
pub mod assignment;
mod definition;
pub mod guard;
pub mod policy;
pub mod results;
pub mod store;
pub mod value;

pub use definition::{
    Arm, ArmPolicy, ArmStop, Definition, Design, EXPERIMENT_SURFACES, Identity, TOTAL_SHARE,
    Visitor,
};
pub use store::{Experiment, ExperimentError, Status};
