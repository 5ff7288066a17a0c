//! Integration tests of the demo-shop generator: one binary, one shared default shop.

mod activity;
mod catalog;
mod determinism;
mod helpers;
mod structure;
