//! migration crate.
