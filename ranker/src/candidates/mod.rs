//! Candidate generators and the merged pool.
//!
//! The worker runs the generators per seed product or profile and merges their output into a
//! [`CandidatePool`] (≈200-500 items) that keeps each candidate's provenance; the app re-ranks it.

pub mod complements;
pub mod content;
pub mod cooccurrence;
pub mod new_arrivals;
mod pool;
pub mod popularity;

pub use pool::{Candidate, CandidatePool, Source, SourceSet};
