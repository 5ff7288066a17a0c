//! app crate.
