//! Integration tests of the Klaviyo client against the fake Klaviyo: one binary, one file
//! per area.

mod accounts;
mod events;
mod helpers;
mod imports;
mod oauth;
mod profiles;
mod retries;
mod splitter;
mod validation;
