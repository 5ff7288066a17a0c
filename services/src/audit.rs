//! The admin's audit log: who changed a surface's settings or a merchant rule, what (the
//! document before and after), and when. Entries are written in the transaction of the
//! change they describe, so a change and its entry land or fail together.

use chrono::Utc;
use entity::audit_entry;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;

/// Most entries one listing returns.
pub const MAX_LISTED: u64 = 200;

/// One change to record.
#[derive(Debug)]
pub struct Change<'a> {
    /// Who: the Shopify user id (`sub` of the session token), or `demo`.
    pub actor: &'a str,
    /// `settings.save`, `rule.create`, `rule.update` or `rule.delete`.
    pub action: &'a str,
    /// A surface name, or `rule {id}`.
    pub subject: String,
    /// The document before (`None` for a first save or a create).
    pub before: Option<Value>,
    /// The document after (`None` for a delete).
    pub after: Option<Value>,
}

/// Records `change` for `shop_id` (call it inside the change's transaction).
///
/// # Errors
/// The database's.
pub async fn record(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    change: Change<'_>,
) -> Result<(), DbErr> {
    audit_entry::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(uuid::Uuid::new_v4().to_string()),
        actor: Set(change.actor.to_owned()),
        action: Set(change.action.to_owned()),
        subject: Set(change.subject),
        before: Set(change.before),
        after: Set(change.after),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The shop's newest `limit` entries (at most [`MAX_LISTED`]), newest first.
///
/// # Errors
/// The database's.
pub async fn list(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, DbErr> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::ShopId.eq(shop_id))
        .order_by_desc(audit_entry::Column::CreatedAt)
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit.min(MAX_LISTED))
        .all(conn)
        .await
}

/// Deletes the shop's entries (the table has no foreign key to cascade from).
///
/// # Errors
/// The database's.
pub async fn delete_shop(conn: &impl ConnectionTrait, shop_id: i64) -> Result<(), DbErr> {
    audit_entry::Entity::delete_many()
        .filter(audit_entry::Column::ShopId.eq(shop_id))
        .exec(conn)
        .await?;
    Ok(())
}
