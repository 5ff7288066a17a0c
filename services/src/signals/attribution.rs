//! Attribution: a click or add-to-cart that carries a rec id is tied to the impression the
//! server logged for that rec id and product, and takes the impression's surface, position
//! and propensity — the server's record, not what a client claims — so off-policy evaluation
//! and the discovery metrics read one consistent row. An add-to-cart without a rec id
//! inherits the rec id of a recent attributed click on the same product in the same session
//! (the theme block's click leads to the product page, whose add-to-cart the pixel sends
//! without knowing about the recommendation).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{event, impression};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{EventInput, EventKind};

/// How long after a recommendation click an add-to-cart of the same product still counts.
pub const CLICK_TO_CART_WINDOW_MINUTES: i64 = 30;

/// The logged impression of one item in one list.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Shown {
    pub impression_id: i64,
    pub surface: Option<String>,
    pub position: Option<i32>,
    pub propensity: Option<f64>,
}

/// What attribution decided for one event of a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Attribution {
    /// The rec id to store: the event's own, or one inherited from a click.
    pub rec_id: Option<String>,
    /// The impression it is attributed to.
    pub shown: Option<Shown>,
}

/// Attributes every event of a batch (aligned with `events`).
///
/// # Errors
/// The database error (the caller's transaction then stores nothing).
pub(super) async fn attribute(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    events: &[EventInput],
    now: DateTime<Utc>,
) -> Result<Vec<Attribution>, DbErr> {
    let mut out: Vec<Attribution> = events
        .iter()
        .map(|e| Attribution {
            rec_id: e.rec_id.clone(),
            shown: None,
        })
        .collect();
    inherit_from_clicks(conn, shop_id, events, &mut out, now).await?;
    let rec_ids: Vec<String> = events
        .iter()
        .zip(&out)
        .filter(|(e, _)| attributable(e.kind))
        .filter_map(|(_, a)| a.rec_id.clone())
        .collect();
    if rec_ids.is_empty() {
        return Ok(out);
    }
    let shown = impressions(conn, shop_id, rec_ids).await?;
    for (event, attribution) in events.iter().zip(&mut out) {
        if let (true, Some(rec_id), Some(product_id)) = (
            attributable(event.kind),
            attribution.rec_id.clone(),
            event.product_id,
        ) {
            attribution.shown = shown.get(&(rec_id, product_id)).cloned();
        }
    }
    Ok(out)
}

fn attributable(kind: EventKind) -> bool {
    matches!(kind, EventKind::Click | EventKind::AddToCart)
}

/// Impressions of the given lists, by (rec id, product id).
async fn impressions(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    rec_ids: Vec<String>,
) -> Result<HashMap<(String, i64), Shown>, DbErr> {
    let rows = impression::Entity::find()
        .filter(impression::Column::ShopId.eq(shop_id))
        .filter(impression::with_rec_ids(rec_ids.iter().map(String::as_str)))
        .all(conn)
        .await?;
    let answers = super::impression::answers(conn, &rows).await?;
    Ok(rows
        .iter()
        .zip(answers)
        .flat_map(|(row, answer)| {
            answer.items.into_iter().map(move |item| {
                let shown = Shown {
                    impression_id: row.id,
                    surface: Some(answer.context.surface.clone()),
                    position: Some(item.position),
                    propensity: Some(item.propensity),
                };
                ((row.rec_id(), item.product_id), shown)
            })
        })
        .collect())
}

/// Gives an add-to-cart without a rec id the rec id of the latest attributed recommendation
/// click on the same product in the same session within the window.
async fn inherit_from_clicks(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    events: &[EventInput],
    out: &mut [Attribution],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let orphan = |e: &EventInput| e.kind == EventKind::AddToCart && e.rec_id.is_none();
    let sessions: Vec<String> = events
        .iter()
        .filter(|e| orphan(e))
        .map(|e| e.session_id.clone())
        .collect();
    if sessions.is_empty() {
        return Ok(());
    }
    let clicks = event::Entity::find()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::SessionId.is_in(sessions))
        .filter(event::Column::Kind.eq(EventKind::Click.as_str()))
        .filter(event::Column::ImpressionId.is_not_null())
        .filter(
            event::Column::OccurredAt.gte(now - Duration::minutes(CLICK_TO_CART_WINDOW_MINUTES)),
        )
        .order_by_asc(event::Column::OccurredAt)
        .all(conn)
        .await?;
    // Later clicks overwrite earlier ones: the latest click wins.
    let latest: HashMap<(String, Option<i64>), String> = clicks
        .into_iter()
        .filter_map(|c| Some(((c.session_id, c.product_id), c.rec_id?)))
        .collect();
    for (event, attribution) in events.iter().zip(out) {
        if orphan(event) {
            let key = (event.session_id.clone(), event.product_id);
            attribution.rec_id = latest.get(&key).cloned();
        }
    }
    Ok(())
}
