//! `services::email` against the fake Klaviyo, on SQLite (and PostgreSQL with
//! `TEST_DATABASE_URL`): connecting (a private key or OAuth), the push, its idempotence, refused rows, the holdout,
//! the shared rate limiter and outages.
#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod comparison;
mod connect;
mod favourite;
mod feeds;
mod helpers;
mod holdout;
mod limiter;
mod oauth;
mod profile_list;
mod push;
mod rotation;
