//! The storefront events the rollups read, with the columns they need.

use chrono::{DateTime, Utc};
use entity::event;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait,
};

/// One storefront event as the rollups read it.
#[derive(Debug, Clone)]
pub(super) struct Touch {
    pub session_id: String,
    pub anonymous_id: String,
    pub customer_id: Option<i64>,
    pub product_id: Option<i64>,
    pub kind: String,
    pub surface: Option<String>,
    /// The impression a recommendation click or add to cart is attributed to, and the
    /// position it engaged with there.
    pub impression: Option<(i64, Option<i32>)>,
    pub at: DateTime<Utc>,
}

impl Touch {
    /// Whether it is attributed to a recommendation impression.
    pub fn attributed(&self) -> bool {
        self.impression.is_some()
    }
}

/// The shop's events matching `filter` from `from` (or the oldest kept) until `to`.
///
/// # Errors
/// The database error.
pub(super) async fn touches(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    filter: Condition,
    from: Option<DateTime<Utc>>,
    to: DateTime<Utc>,
) -> Result<Vec<Touch>, DbErr> {
    type Row = (
        String,
        String,
        Option<i64>,
        Option<i64>,
        String,
        Option<String>,
        Option<i64>,
        Option<i32>,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = event::Entity::find()
        .select_only()
        .columns([
            event::Column::SessionId,
            event::Column::AnonymousId,
            event::Column::CustomerId,
            event::Column::ProductId,
            event::Column::Kind,
            event::Column::Surface,
            event::Column::ImpressionId,
            event::Column::Position,
            event::Column::OccurredAt,
        ])
        .filter(event::Column::ShopId.eq(shop_id))
        .apply_if(from, |q, from| {
            q.filter(event::Column::OccurredAt.gte(from))
        })
        .filter(event::Column::OccurredAt.lt(to))
        .filter(filter)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                session_id,
                anonymous_id,
                customer_id,
                product_id,
                kind,
                surface,
                impression,
                position,
                at,
            )| {
                Touch {
                    session_id,
                    anonymous_id,
                    customer_id,
                    product_id,
                    kind,
                    surface,
                    impression: impression.map(|id| (id, position)),
                    at,
                }
            },
        )
        .collect())
}
