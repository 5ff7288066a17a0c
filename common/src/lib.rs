//! common crate.
