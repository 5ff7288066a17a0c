//! Storefront signals: validated batches of web-pixel events stored append-only, with
//! anonymous ids linked to customers when a shopper logs in or checks out.

mod attribution;
mod context;
mod error;
pub mod id;
pub mod impression;
mod input;
mod ordinals;
mod packed;
pub mod replay;

use chrono::{DateTime, Utc};
use common::database::begin_write;
use entity::{event, shopper_identity};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait};

pub use attribution::CLICK_TO_CART_WINDOW_MINUTES;
pub use error::SignalError;
pub use impression::{Answer, Asked, ExperimentTag, Impression, ShownItem};
pub use input::{Device, EventInput, EventKind, is_valid_id};
pub use ordinals::Ordinals;

use attribution::Attribution;

/// Most events accepted in one batch.
pub const MAX_BATCH: usize = 100;

/// What happened to a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct IngestSummary {
    /// Events stored.
    pub accepted: u64,
    /// Events already stored earlier (same client id), skipped.
    pub duplicates: u64,
    /// Clicks and add-to-carts tied to a logged impression (counted before duplicates are
    /// skipped).
    pub attributed: u64,
}

/// Validates the whole batch, then stores it in one transaction: all of it or nothing.
///
/// # Errors
/// [`SignalError::Invalid`] for the first bad event, [`SignalError::Database`] on storage
/// failure.
pub async fn ingest(
    conn: &DatabaseConnection,
    shop_id: i64,
    events: &[EventInput],
    now: DateTime<Utc>,
) -> Result<IngestSummary, SignalError> {
    if events.len() > MAX_BATCH {
        return Err(SignalError::Invalid {
            field: "events".into(),
            reason: format!(
                "holds {} events; at most {MAX_BATCH} per batch",
                events.len()
            ),
        });
    }
    for (index, input) in events.iter().enumerate() {
        input.validate(index, now)?;
    }
    if events.is_empty() {
        return Ok(IngestSummary {
            accepted: 0,
            duplicates: 0,
            attributed: 0,
        });
    }
    let txn = begin_write(conn).await?;
    let summary = store_validated(&txn, shop_id, events, now).await?;
    txn.commit().await?;
    Ok(summary)
}

/// Stores events that already passed [`EventInput::validate`] inside the caller's
/// transaction; at most [`MAX_BATCH`] events per call keep each statement small.
///
/// # Errors
/// The database error; the caller's transaction should then be rolled back.
async fn store_validated(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    events: &[EventInput],
    now: DateTime<Utc>,
) -> Result<IngestSummary, DbErr> {
    let attributions = attribution::attribute(conn, shop_id, events, now).await?;
    let attributed = attributions.iter().filter(|a| a.shown.is_some()).count();
    let rows = events
        .iter()
        .zip(attributions)
        .map(|(e, a)| row(shop_id, e, a, now));
    let accepted = event::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([event::Column::ShopId, event::Column::ClientEventId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    link_identities(conn, shop_id, events, now).await?;
    let total = u64::try_from(events.len()).unwrap_or(u64::MAX);
    Ok(IngestSummary {
        accepted,
        duplicates: total.saturating_sub(accepted),
        attributed: u64::try_from(attributed).unwrap_or(u64::MAX),
    })
}

fn row(
    shop_id: i64,
    input: &EventInput,
    attribution: Attribution,
    now: DateTime<Utc>,
) -> event::ActiveModel {
    // An attributed event takes the impression's surface, position and propensity.
    let (surface, position, propensity, impression_id) = match attribution.shown {
        Some(shown) => (
            shown.surface,
            shown.position,
            shown.propensity,
            Some(shown.impression_id),
        ),
        None => (
            input.surface.clone(),
            input.position,
            input.propensity,
            None,
        ),
    };
    event::ActiveModel {
        id: NotSet,
        shop_id: Set(shop_id),
        client_event_id: Set(input.id.clone()),
        kind: Set(input.kind.as_str().to_owned()),
        anonymous_id: Set(input.anonymous_id.clone()),
        customer_id: Set(input.customer_id),
        session_id: Set(input.session_id.clone()),
        product_id: Set(input.product_id),
        variant_id: Set(input.variant_id),
        query: Set(input.query.clone()),
        surface: Set(surface),
        rec_id: Set(attribution.rec_id),
        impression_id: Set(impression_id),
        position: Set(position),
        propensity: Set(propensity),
        traffic_source: Set(input.referrer.clone()),
        device: Set(input.device.map(|d| d.as_str().to_owned())),
        occurred_at: Set(input.occurred_at),
        received_at: Set(now),
    }
}

/// Records (or moves) the link from each anonymous id to the customer it showed up with.
async fn link_identities(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    events: &[EventInput],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut links: Vec<(&str, i64)> = events
        .iter()
        .filter_map(|e| Some((e.anonymous_id.as_str(), e.customer_id?)))
        .collect();
    links.sort_unstable();
    links.dedup_by_key(|(anonymous, _)| *anonymous);
    if links.is_empty() {
        return Ok(());
    }
    let rows = links.into_iter().map(
        |(anonymous_id, customer_id)| shopper_identity::ActiveModel {
            shop_id: Set(shop_id),
            anonymous_id: Set(anonymous_id.to_owned()),
            customer_id: Set(customer_id),
            linked_at: Set(now),
        },
    );
    shopper_identity::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                shopper_identity::Column::ShopId,
                shopper_identity::Column::AnonymousId,
            ])
            .update_columns([
                shopper_identity::Column::CustomerId,
                shopper_identity::Column::LinkedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
