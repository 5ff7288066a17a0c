//! Merchant rules: pin a product to a slot, exclude, boost or bury products matched by
//! product, collection, tag, vendor, category or price band, per surface (or on all), within
//! an optional date window. A rule is validated ([`store`]), stored with a version for
//! optimistic concurrency and audited; [`tuning`] resolves the shop's rules to products and
//! hands them with the settings to serving and precompute, which apply them in the ranker
//! before the hard rules. [`stamp`] is what serving compares to notice a settings or rule
//! change, so either reaches served lists at the next model recheck.

mod document;
mod error;
mod resolve;
mod status;
pub mod store;
mod validate;

use chrono::{DateTime, Utc};
use ranker::{MerchantRule, MerchantRules};
use sea_orm::{ConnectionTrait, DbErr};

pub use document::{RuleDoc, Target};
pub use error::RuleError;
pub use status::{RuleWarning, WarningCode, warning};
pub use store::{Changed, RuleState, SavedRule};
pub use validate::draft;

use crate::settings::{self, LoadError, Tuning};
use resolve::Snapshot;

/// The ranker's form of rule `id`, matching `products`.
#[must_use]
pub fn to_ranker(id: i64, doc: &RuleDoc, products: Vec<i64>) -> MerchantRule {
    let secs = |at: Option<DateTime<Utc>>| at.map(|t| t.timestamp());
    let rule =
        MerchantRule::new(id, doc.action, products).during(secs(doc.starts_at), secs(doc.ends_at));
    match doc.surface() {
        Some(surface) => rule.on(surface),
        None => rule,
    }
}

/// The shop's rules, each with the active products it matches now.
///
/// # Errors
/// The database's.
pub async fn load(conn: &impl ConnectionTrait, shop_id: i64) -> Result<MerchantRules, DbErr> {
    let saved = store::saved(conn, shop_id).await?;
    if saved.is_empty() {
        return Ok(MerchantRules::default());
    }
    let snapshot = Snapshot::load(conn, shop_id).await?;
    let mut rules = Vec::with_capacity(saved.len());
    for rule in saved {
        let products = snapshot.matched(conn, shop_id, &rule.rule.target).await?;
        rules.push(to_ranker(rule.id, &rule.rule, products));
    }
    Ok(MerchantRules::new(rules))
}

/// What serving and precompute run for the shop: its settings and its rules.
///
/// # Errors
/// [`LoadError`].
pub async fn tuning(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Tuning, LoadError> {
    let tuning = settings::store::tuning(conn, shop_id).await?;
    Ok(tuning.with_rules(load(conn, shop_id).await?))
}

/// The newest settings version per surface and the rules' stamp: when it moves, the
/// tuning must be read again.
///
/// # Errors
/// The database's.
pub async fn stamp(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Vec<(String, i64)>, DbErr> {
    let mut stamp = settings::store::stamp(conn, shop_id).await?;
    stamp.push(("rules".to_owned(), store::stamp(conn, shop_id).await?));
    Ok(stamp)
}
