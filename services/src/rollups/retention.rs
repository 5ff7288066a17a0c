//! Retention of the raw signal tables: the nightly rollup removes impressions and events past
//! their configured age, a batch at a time, once their day's metrics are rolled up.

use chrono::{DateTime, Days, NaiveDate, Utc};
use common::settings::EventsSettings;
use entity::{event, impression};
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::midnight;

/// How long the raw signal tables keep their rows (`events.impression_retention_days`,
/// `events.event_retention_days`); the daily metrics rolled up from them stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days a logged impression is kept.
    pub impression_days: u32,
    /// Days a storefront event is kept.
    pub event_days: u32,
}

impl Retention {
    /// From the `events` settings.
    #[must_use]
    pub fn from_settings(settings: &EventsSettings) -> Self {
        Self {
            impression_days: settings.impression_retention_days,
            event_days: settings.event_retention_days,
        }
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::from_settings(&EventsSettings::default())
    }
}

/// Rows logged before this are past a `retention_days` retention when `day` is rolled up:
/// midnight `retention_days` before it.
#[must_use]
pub fn retention_cutoff(day: NaiveDate, retention_days: u32) -> DateTime<Utc> {
    midnight(
        day.checked_sub_days(Days::new(u64::from(retention_days)))
            .unwrap_or(NaiveDate::MIN),
    )
}

/// Rows removed per statement, so a purge never holds the write lock for long.
const PURGE_BATCH: u64 = 5_000;

/// Removes the shop's impressions logged before `before`; returns how many. Their days'
/// metrics are already rolled up; only the raw slates go.
///
/// # Errors
/// The database error (batches removed before it stay removed: each is complete on its own).
pub async fn purge_impressions(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use impression::Column as C;
    purge::<impression::Entity>(
        conn,
        shop_id,
        impression::served_before(before),
        [C::Id, C::ShopId],
    )
    .await
}

/// Removes the shop's storefront events that occurred before `before`; returns how many.
///
/// # Errors
/// The database error (batches removed before it stay removed: each is complete on its own).
pub async fn purge_events(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use event::Column as C;
    purge::<event::Entity>(conn, shop_id, C::OccurredAt.lt(before), [C::Id, C::ShopId]).await
}

/// Deletes the shop's rows of `E` that are `old`, a batch of ids per statement; `[id,
/// shop]` name the entity's columns.
async fn purge<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    old: SimpleExpr,
    [id, shop]: [E::Column; 2],
) -> Result<u64, DbErr> {
    let mut removed = 0;
    loop {
        let ids: Vec<i64> = E::find()
            .select_only()
            .column(id)
            .filter(shop.eq(shop_id))
            .filter(old.clone())
            .limit(PURGE_BATCH)
            .into_tuple()
            .all(conn)
            .await?;
        if ids.is_empty() {
            return Ok(removed);
        }
        removed += E::delete_many()
            .filter(id.is_in(ids))
            .exec(conn)
            .await?
            .rows_affected;
    }
}
