//! Merchant rules in the database: create, edit and delete with optimistic concurrency (an
//! edit carries the version it started from), each change audited in its own transaction;
//! the listing with what every rule matches now.

use chrono::Utc;
use common::database::begin_write;
use entity::merchant_rule;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::Serialize;
use serde_json::Value;

use super::document::RuleDoc;
use super::error::RuleError;
use super::resolve::Snapshot;
use super::status::{RuleWarning, status, warning};
use super::validate::validate;
use crate::audit::{self, Change};

/// A stored rule.
#[derive(Debug, Clone, Serialize)]
pub struct SavedRule {
    /// Id within the shop.
    pub id: i64,
    /// Version a change must carry.
    pub version: i64,
    /// The rule.
    pub rule: RuleDoc,
}

/// A stored rule with what it matches now.
#[derive(Debug, Clone, Serialize)]
pub struct RuleState {
    /// The rule.
    #[serde(flatten)]
    pub saved: SavedRule,
    /// How many active products it matches.
    pub matches: usize,
    /// Whether the storefront applies it now (matches something, within its window).
    pub active: bool,
    /// What the merchant reads about it.
    pub status: String,
    /// Why it does nothing, if it does nothing (empty otherwise).
    pub warnings: Vec<RuleWarning>,
}

/// The shop's rules that are not deleted, in id order, as stored.
pub(crate) async fn saved(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<Vec<SavedRule>, DbErr> {
    let rows = merchant_rule::Entity::find()
        .filter(merchant_rule::Column::ShopId.eq(shop_id))
        .filter(merchant_rule::Column::DeletedAt.is_null())
        .order_by_asc(merchant_rule::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match serde_json::from_value(row.rule) {
            Ok(rule) => Some(SavedRule {
                id: row.id,
                version: row.version,
                rule,
            }),
            Err(err) => {
                tracing::warn!(shop_id, rule = row.id, %err, "skipping a stored rule that does not parse");
                None
            }
        })
        .collect())
}

/// The shop's rules with what each matches now.
///
/// # Errors
/// The database's.
pub async fn list(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Vec<RuleState>, DbErr> {
    let rules = saved(conn, shop_id).await?;
    let snapshot = Snapshot::load(conn, shop_id).await?;
    let now = Utc::now();
    let mut states = Vec::with_capacity(rules.len());
    for rule in rules {
        let matches = snapshot
            .matched(conn, shop_id, &rule.rule.target)
            .await?
            .len();
        let (active, status) = status(&rule.rule, matches, now);
        let warnings = warning(&rule.rule, matches, now).into_iter().collect();
        states.push(RuleState {
            saved: rule,
            matches,
            active,
            status,
            warnings,
        });
    }
    Ok(states)
}

fn json(doc: &RuleDoc) -> Result<Value, DbErr> {
    serde_json::to_value(doc).map_err(|err| DbErr::Custom(err.to_string()))
}

/// Creates a rule; `actor` is who, for the audit log.
///
/// # Errors
/// [`RuleError::Invalid`], [`RuleError::Raced`], [`RuleError::Database`].
pub async fn create(
    conn: &DatabaseConnection,
    shop_id: i64,
    actor: &str,
    doc: &RuleDoc,
) -> Result<SavedRule, RuleError> {
    let txn = begin_write(conn).await?;
    validate(&txn, shop_id, doc).await?;
    let last: Option<i64> = merchant_rule::Entity::find()
        .select_only()
        .column_as(merchant_rule::Column::Id.max(), "id")
        .filter(merchant_rule::Column::ShopId.eq(shop_id))
        .into_tuple::<Option<i64>>()
        .one(&txn)
        .await?
        .flatten();
    let id = last.unwrap_or(0) + 1;
    let now = Utc::now();
    let row = merchant_rule::ActiveModel {
        shop_id: Set(shop_id),
        id: Set(id),
        version: Set(1),
        rule: Set(json(doc)?),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    };
    match row.insert(&txn).await {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(RuleError::Raced);
        }
        Err(err) => return Err(err.into()),
    }
    let change = Change {
        actor,
        action: "rule.create",
        subject: format!("rule {id}"),
        before: None,
        after: Some(json(doc)?),
    };
    audit::record(&txn, shop_id, change).await?;
    txn.commit().await?;
    Ok(SavedRule {
        id,
        version: 1,
        rule: doc.clone(),
    })
}

/// A change that landed: the rule as it is now (as it was, for a delete) and before.
#[derive(Debug, Clone)]
pub struct Changed {
    /// The rule after the change (the deleted rule, for a delete).
    pub saved: SavedRule,
    /// The rule before the change; `None` when the stored document no longer parses.
    pub before: Option<RuleDoc>,
}

/// Replaces rule `id` with `doc` (`None`: deletes it) when its version is still `edited`.
///
/// # Errors
/// [`RuleError::NotFound`], [`RuleError::Stale`], [`RuleError::Invalid`],
/// [`RuleError::Database`].
pub async fn change(
    conn: &DatabaseConnection,
    shop_id: i64,
    actor: &str,
    id: i64,
    edited: i64,
    doc: Option<&RuleDoc>,
) -> Result<Changed, RuleError> {
    let txn = begin_write(conn).await?;
    let row = merchant_rule::Entity::find_by_id((shop_id, id))
        .one(&txn)
        .await?
        .filter(|row| row.deleted_at.is_none())
        .ok_or(RuleError::NotFound(id))?;
    let stale = RuleError::Stale {
        id,
        current: row.version,
        edited,
    };
    if row.version != edited {
        return Err(stale);
    }
    if let Some(doc) = doc {
        validate(&txn, shop_id, doc).await?;
    }
    let now = Utc::now();
    let mut update = merchant_rule::Entity::update_many()
        .col_expr(merchant_rule::Column::Version, Expr::value(edited + 1))
        .col_expr(merchant_rule::Column::UpdatedAt, Expr::value(now));
    update = match doc {
        Some(doc) => update.col_expr(merchant_rule::Column::Rule, Expr::value(json(doc)?)),
        None => update.col_expr(merchant_rule::Column::DeletedAt, Expr::value(Some(now))),
    };
    // The version in the filter makes a racing edit on another connection update nothing.
    let written = update
        .filter(merchant_rule::Column::ShopId.eq(shop_id))
        .filter(merchant_rule::Column::Id.eq(id))
        .filter(merchant_rule::Column::Version.eq(edited))
        .exec(&txn)
        .await?;
    if written.rows_affected != 1 {
        return Err(stale);
    }
    let after = doc.map(json).transpose()?;
    let change = Change {
        actor,
        action: if doc.is_some() {
            "rule.update"
        } else {
            "rule.delete"
        },
        subject: format!("rule {id}"),
        before: Some(row.rule.clone()),
        after,
    };
    audit::record(&txn, shop_id, change).await?;
    txn.commit().await?;
    let before: Result<RuleDoc, String> =
        serde_json::from_value(row.rule).map_err(|err| err.to_string());
    let rule = match (doc, &before) {
        (Some(doc), _) => doc.clone(),
        (None, Ok(before)) => before.clone(),
        (None, Err(err)) => return Err(DbErr::Custom(err.clone()).into()),
    };
    Ok(Changed {
        saved: SavedRule {
            id,
            version: edited + 1,
            rule,
        },
        before: before.ok(),
    })
}

/// The sum of every rule's version, deleted ones too: it grows with every create, edit and
/// delete, so serving compares it to notice a change.
///
/// # Errors
/// The database's.
pub async fn stamp(conn: &impl ConnectionTrait, shop_id: i64) -> Result<i64, DbErr> {
    let versions: Vec<i64> = merchant_rule::Entity::find()
        .select_only()
        .column(merchant_rule::Column::Version)
        .filter(merchant_rule::Column::ShopId.eq(shop_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(versions.iter().sum())
}

/// Deletes the shop's rules and audit log (no foreign key cascades to them).
///
/// # Errors
/// The database's.
pub async fn delete_shop(conn: &impl ConnectionTrait, shop_id: i64) -> Result<(), DbErr> {
    merchant_rule::Entity::delete_many()
        .filter(merchant_rule::Column::ShopId.eq(shop_id))
        .exec(conn)
        .await?;
    audit::delete_shop(conn, shop_id).await
}
