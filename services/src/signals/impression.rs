//! Impressions: every list the recommendation endpoints served, one row per answer (the
//! slate) with each shown item's module, position and propensity, and the versions that
//! produced it. Clicks and add-to-carts carrying the answer's rec id are attributed to it
//! (see `attribution`).
//!
//! A slate row rather than a row per item: one insert per request into a table whose
//! indexes grow at their ends keeps 1,000 answers a second cheap to log, and off-policy
//! evaluation needs the whole list anyway.

use chrono::{DateTime, Utc};
use entity::impression;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};

use super::error::SignalError;
use super::input::check_id;
use super::packed;
pub use super::packed::ShownItem;
use crate::surface;

/// One served answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Impression {
    /// Shop.
    pub shop_id: i64,
    /// The answer's id, which clicks carry back.
    pub rec_id: String,
    /// Surface name as stored (`pdp`, `cart`, `home`, …).
    pub surface: String,
    /// What brought the shopper.
    pub traffic_source: String,
    /// Storefront session.
    pub session_id: String,
    /// Anonymous browser id.
    pub anonymous_id: String,
    /// Logged-in customer.
    pub customer_id: Option<i64>,
    /// Pool (model) version; `None` at cold start.
    pub model_version: Option<String>,
    /// Precomputed list version, if the answer started from one.
    pub list_version: Option<String>,
    /// Surface policy version.
    pub policy_version: String,
    /// The items, in the order shown.
    pub items: Vec<ShownItem>,
    /// When it was served.
    pub occurred_at: DateTime<Utc>,
    /// The experiment and arm it was served under, if any.
    pub experiment: Option<ExperimentTag>,
    /// What the request asked beyond the shopper.
    pub asked: Asked,
}

/// What an answer was asked beyond the shopper: what serving it again needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asked {
    /// The products it was about: the page's product, then the cart's lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<i64>,
    /// A search's query, as typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// A search's page (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<usize>,
}

impl Asked {
    /// Nothing beyond the shopper (home, email).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The experiment an answer was served under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentTag {
    /// Experiment id.
    pub experiment_id: i64,
    /// The arm whose policy was served; `None` when it fell back to the control.
    pub arm: Option<String>,
}

impl Impression {
    /// Checks what came from the request (ids) and what the ranker produced (positions,
    /// propensities): a bad impression fails its own request, never a shared batch.
    ///
    /// # Errors
    /// [`SignalError::Invalid`] naming the first offending field.
    pub fn validate(&self) -> Result<(), SignalError> {
        let invalid = |field: &str, reason: &str| SignalError::Invalid {
            field: format!("impression.{field}"),
            reason: reason.to_owned(),
        };
        check_id(Some(&self.rec_id), true).map_err(|r| invalid("rec_id", r))?;
        check_id(Some(&self.session_id), true).map_err(|r| invalid("session_id", r))?;
        check_id(Some(&self.anonymous_id), true).map_err(|r| invalid("anonymous_id", r))?;
        if surface::from_name(&self.surface).is_none() {
            return Err(invalid("surface", "is not a known surface"));
        }
        for item in &self.items {
            if !(item.propensity > 0.0 && item.propensity <= 1.0) {
                return Err(invalid("items.propensity", "must be in (0, 1]"));
            }
            if item.position < 1 {
                return Err(invalid("items.position", "must be at least 1"));
            }
        }
        Ok(())
    }
}

/// Rows per insert statement: 18 columns each stays far below SQLite's bound-parameter limit.
const ROWS_PER_STATEMENT: usize = 500;

/// Stores impressions (of any shops); an impression whose rec id is already stored (a
/// retried batch) is skipped. Run it in a transaction to store all or nothing.
///
/// # Errors
/// The database error.
pub async fn store(conn: &impl ConnectionTrait, impressions: &[Impression]) -> Result<(), DbErr> {
    for chunk in impressions.chunks(ROWS_PER_STATEMENT) {
        impression::Entity::insert_many(chunk.iter().map(row))
            .on_conflict(
                OnConflict::columns([impression::Column::ShopId, impression::Column::RecId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

fn row(i: &Impression) -> impression::ActiveModel {
    impression::ActiveModel {
        id: NotSet,
        shop_id: Set(i.shop_id),
        rec_id: Set(i.rec_id.clone()),
        surface: Set(i.surface.clone()),
        traffic_source: Set(i.traffic_source.clone()),
        session_id: Set(i.session_id.clone()),
        anonymous_id: Set(i.anonymous_id.clone()),
        customer_id: Set(i.customer_id),
        model_version: Set(i.model_version.clone()),
        list_version: Set(i.list_version.clone()),
        policy_version: Set(i.policy_version.clone()),
        item_count: Set(i32::try_from(i.items.len()).unwrap_or(i32::MAX)),
        items: Set(serde_json::Value::Null),
        packed: Set(Some(packed::pack(&i.items))),
        occurred_at: Set(i.occurred_at),
        experiment_id: Set(i.experiment.as_ref().map(|e| e.experiment_id)),
        arm: Set(i.experiment.as_ref().and_then(|e| e.arm.clone())),
        // Plain data always serialises.
        asked: Set(
            (!i.asked.is_empty()).then(|| serde_json::to_value(&i.asked).unwrap_or_default())
        ),
    }
}

/// The items of a stored impression, packed or (rows from before packing) JSON; a row that
/// does not parse (written by hand, or by a future version) yields none rather than failing
/// its reader.
#[must_use]
pub fn items(row: &impression::Model) -> Vec<ShownItem> {
    let read = match &row.packed {
        Some(bytes) => packed::unpack(bytes).map_err(|err| err.to_string()),
        None => Vec::<ShownItem>::deserialize(&row.items).map_err(|err| err.to_string()),
    };
    read.unwrap_or_else(|error| {
        tracing::warn!(impression = row.id, %error, "unreadable impression items");
        Vec::new()
    })
}

/// What a stored impression was asked; as [`items`], an unreadable value yields nothing.
#[must_use]
pub fn asked(row: &impression::Model) -> Asked {
    let Some(asked) = &row.asked else {
        return Asked::default();
    };
    Asked::deserialize(asked).unwrap_or_else(|err| {
        tracing::warn!(impression = row.id, error = %err, "unreadable impression request");
        Asked::default()
    })
}
