//! entity crate.
