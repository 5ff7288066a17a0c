//! A surface's recent answers as off-policy evaluation reads them: who was served, in which
//! session, asked what (products, a query), each shown item with its slot and propensity, and which of
//! the items were clicked.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{event, impression};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::impression::{Asked, ShownItem, answers};
use super::input::EventKind;

/// Rec ids per click lookup: far below every database's bound-parameter limit.
const IDS_PER_QUERY: usize = 500;

/// One logged answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedAnswer {
    /// The answer's rec id.
    pub rec_id: String,
    /// The storefront session, whose events before the answer steered it.
    pub session_id: String,
    /// The shopper's browser.
    pub anonymous_id: String,
    /// The logged-in customer.
    pub customer_id: Option<i64>,
    /// What brought the shopper, as stored.
    pub traffic_source: String,
    /// What it was asked beyond the shopper (products, a search's query).
    pub asked: Asked,
    /// The items shown, in slot order.
    pub items: Vec<ShownItem>,
    /// The shown products the shopper clicked from this answer.
    pub clicked: HashSet<i64>,
    /// When it was served, to the millisecond.
    pub occurred_at: DateTime<Utc>,
}

/// The newest `limit` answers of `surface` served since `since`, newest first, with their
/// clicks; answers that showed nothing are skipped.
///
/// # Errors
/// The database's.
pub async fn recent(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    surface: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<LoggedAnswer>, DbErr> {
    let rows = impression::Entity::find()
        .filter(impression::Column::ShopId.eq(shop_id))
        .filter(impression::served_on(shop_id, surface))
        .filter(impression::served_from(since))
        .filter(impression::Column::ItemCount.gt(0))
        .order_by_desc(impression::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    let rec_ids: Vec<String> = rows.iter().map(impression::Model::rec_id).collect();
    let mut clicks = clicks(conn, shop_id, rec_ids.iter().map(String::as_str)).await?;
    let answers = answers(conn, &rows).await?;
    Ok(rows
        .into_iter()
        .zip(rec_ids)
        .zip(answers)
        .map(|((row, rec_id), answer)| LoggedAnswer {
            items: answer.items,
            asked: answer.asked,
            clicked: clicks.remove(&rec_id).unwrap_or_default(),
            rec_id,
            occurred_at: row.served_at(),
            session_id: row.session_id,
            anonymous_id: row.anonymous_id,
            customer_id: row.customer_id,
            traffic_source: answer.context.traffic_source,
        })
        .collect())
}

/// The clicked products per rec id.
async fn clicks<'a>(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    rec_ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, HashSet<i64>>, DbErr> {
    let rec_ids: Vec<&str> = rec_ids.collect();
    let mut clicked: HashMap<String, HashSet<i64>> = HashMap::new();
    for chunk in rec_ids.chunks(IDS_PER_QUERY) {
        let rows: Vec<(Option<String>, Option<i64>)> = event::Entity::find()
            .select_only()
            .column(event::Column::RecId)
            .column(event::Column::ProductId)
            .filter(event::Column::ShopId.eq(shop_id))
            .filter(event::Column::Kind.eq(EventKind::Click.as_str()))
            .filter(event::Column::RecId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        for (rec_id, product) in rows {
            if let (Some(rec_id), Some(product)) = (rec_id, product) {
                clicked.entry(rec_id).or_default().insert(product);
            }
        }
    }
    Ok(clicked)
}
