//! Meander's HTTP edge (actix-web): health, readiness, metrics, and — as the issues land —
//! Shopify auth, webhooks, the app proxy and the admin.
//!
//! `main.rs` only parses the command line; everything else is here so that tests start the
//! real application on a random port.

pub mod cli;
pub mod error;
pub mod middleware;
pub mod rate_limit;
pub mod routes;
pub mod serving;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use startup::{Application, ServeOptions, StartupError};
