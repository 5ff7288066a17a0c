//! Recommendations in email through Klaviyo: connecting a shop's Klaviyo account (a private
//! key, or OAuth: [`start_connect`], [`finish_connect`], [`refresh`], [`disconnect`]), pushing
//! each shopper's `email` list into their Klaviyo profile, announcing fresh lists with a
//! "Recommendations Ready" event, an email holdout, and a rate limiter every worker process
//! shares.
//!
//! # Identity: which Klaviyo profile is a Meander profile
//!
//! - `customer:{id}` profiles map to the Klaviyo profile whose `external_id` is the Shopify
//!   customer id, as Klaviyo's own Shopify integration stores it. Meander holds no customer
//!   emails (it has no protected customer data access), so the external id is the only key;
//!   matching by email is for when the app gets that access.
//! - `anon:{id}` profiles are never pushed: Klaviyo cannot know an anonymous browser.
//! - Only profiles Klaviyo already has are pushed. Meander never creates marketing profiles
//!   (consent is Klaviyo's and the merchant's business): before its first push a profile is
//!   looked up with `GET /api/profiles?filter=any(external_id,[…])`, 100 at a time, and the
//!   answer (Klaviyo's profile id, or "not there") is cached in `email_push_states`; a
//!   profile not found is asked about again after a day.
//!
//! # The push ([`push_lists`])
//!
//! After a list version publishes, each known customer's `email` list becomes profile
//! properties (`meander_recs`: top N with id, title, URL, image, price in the shop's currency
//! and reason; `meander_rec_id`; `meander_recs_arm`), imported through bulk profile import
//! jobs split within Klaviyo's limits and polled to completion. Only lists whose content hash
//! changed are imported; rows Klaviyo refuses are recorded on the profile's push state,
//! retried by the next pushes until the same content was refused [`MAX_ROW_REFUSALS`] times
//! (then skipped, and counted, until the list changes), and the latest shown to the
//! merchant with Klaviyo's reason ([`AccountStatus::refused_rows`]). Then every profile whose new content is in Klaviyo gets one
//! "Recommendations Ready" event whose `unique_id` is a hash of shop, profile and content, so
//! a retried push never announces the same list twice (Klaviyo drops the duplicate).
//!
//! # Holdout
//!
//! A configurable share of profiles ([`EmailSettings::holdout_share`]) is held out by a
//! salted hash of shop and profile id (stable across pushes): it receives the same
//! candidates ordered by relevance alone, or no block at all ([`HoldoutMode`]). The arm is
//! stored on the push state and sent as a property, so clicks and orders from email can be
//! compared per arm ([`compare_holdout`]). Links carry `utm_*` and `meander_rec` (the rec
//! id).

mod account;
mod client;
mod comparison;
mod credential;
mod edit;
mod error;
mod favourite;
pub mod feeds;
mod holdout;
mod identity;
mod limiter;
mod oauth;
mod payload;
mod profile_list;
mod push;
mod run;
mod send;
mod settings;
mod shown;
mod state;
mod tokens;

pub use account::{
    AccountStatus, RefusedRow, connect_api_key, record_failure, record_push, status,
};
pub use client::{load_client, pushes};
pub use comparison::{
    ArmOutcome, ComparisonRow, Difference, HoldoutComparison, compare as compare_holdout,
};
pub(crate) use credential::{CREDENTIAL_COLUMN, REFRESH_COLUMN, VERIFIER_COLUMN};
pub use edit::{EditError, MAX_HOLDOUT_SHARE, MAX_LIST_LEN, edit, save_settings};
pub use error::EmailError;
pub use holdout::{Arm, arm_of};
pub use limiter::DbRateLimiter;
pub use oauth::{connect_shop, finish_connect, start_connect};
pub use profile_list::profile_list;
pub use push::{push_for_shop, push_lists};
pub use run::{MAX_ROW_REFUSALS, PushOptions, PushSummary};
pub use send::METRIC;
pub use settings::{EmailSettings, HoldoutMode, KlaviyoApi, OAuthApp};
pub use tokens::{disconnect, refresh};
