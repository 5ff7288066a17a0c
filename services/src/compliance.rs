//! What Shopify's mandatory compliance webhooks and `app/uninstalled` require of us, done for
//! real and each in one transaction: export a customer's data, delete a customer's data,
//! delete a shop, and revoke an uninstalled shop.

use chrono::{DateTime, Utc};
use common::database::begin_write;
use entity::{
    data_export, email_push_state, event, experiment_assignment, klaviyo_oauth_state, order,
    order_line, shop, shopper_identity,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::receipts;
use crate::recs::profiles::customer_profile;
use crate::shop_tokens;

/// Deletes a shop; every table holding its data cascades from `shops`, except the webhook
/// receipts, kept for dedupe (their shop becomes unknown) without their payloads, and the
/// merchant rules, audit log and Klaviyo connects in progress, which have no foreign key and
/// are deleted here.
///
/// # Errors
/// The database error (nothing is deleted then).
pub async fn delete_shop(db: &DatabaseConnection, shop_id: i64) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    if let Some(shop) = shop::Entity::find_by_id(shop_id).one(&txn).await? {
        receipts::forget_shop(&txn, shop.id, &shop.domain).await?;
    }
    crate::rules::store::delete_shop(&txn, shop_id).await?;
    klaviyo_oauth_state::Entity::delete_many()
        .filter(klaviyo_oauth_state::Column::ShopId.eq(shop_id))
        .exec(&txn)
        .await?;
    shop::Entity::delete_by_id(shop_id).exec(&txn).await?;
    txn.commit().await
}

/// Marks a shop uninstalled and forgets its tokens, in one transaction. Jobs check
/// [`is_installed`] before doing work for a shop, so queued work stops here.
///
/// # Errors
/// The database error.
pub async fn uninstall(
    db: &DatabaseConnection,
    shop_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    shop_tokens::clear_tokens(&txn, shop_id).await?;
    shop::Entity::update_many()
        .col_expr(shop::Column::UninstalledAt, Expr::value(Some(now)))
        .col_expr(shop::Column::UpdatedAt, Expr::value(now))
        .filter(shop::Column::Id.eq(shop_id))
        .exec(&txn)
        .await?;
    txn.commit().await
}

/// True when the shop exists and is installed: the guard every per-shop job runs first.
///
/// # Errors
/// The database error.
pub async fn is_installed(db: &impl ConnectionTrait, shop_id: i64) -> Result<bool, DbErr> {
    Ok(shop::Entity::find_by_id(shop_id)
        .one(db)
        .await?
        .is_some_and(|shop| shop.is_installed()))
}

/// The orders a compliance request covers: the customer's, plus those Shopify lists.
fn orders_of(customer_id: Option<i64>, listed: &[i64]) -> Condition {
    let mut any = Condition::any().add(order::Column::Id.is_in(listed.iter().copied()));
    if let Some(customer) = customer_id {
        any = any.add(order::Column::CustomerId.eq(customer));
    }
    any
}

/// Deletes everything Meander holds about one customer of one shop: events, orders with their
/// lines, experiment assignments, earlier data exports, its Klaviyo push state, and the
/// payloads of webhook receipts still waiting that carry the customer's orders.
///
/// # Errors
/// The database error (nothing is deleted then).
pub async fn redact_customer(
    db: &DatabaseConnection,
    shop_id: i64,
    customer_id: Option<i64>,
    orders_to_redact: &[i64],
) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    let orders: Vec<i64> = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(orders_of(customer_id, orders_to_redact))
        .all(&txn)
        .await?
        .into_iter()
        .map(|order| order.id)
        .collect();
    order_line::Entity::delete_many()
        .filter(order_line::Column::ShopId.eq(shop_id))
        .filter(order_line::Column::OrderId.is_in(orders.iter().copied()))
        .exec(&txn)
        .await?;
    order::Entity::delete_many()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::Id.is_in(orders.iter().copied()))
        .exec(&txn)
        .await?;
    if let Some(customer) = customer_id {
        redact_linked_browsing(&txn, shop_id, customer).await?;
        event::Entity::delete_many()
            .filter(event::Column::ShopId.eq(shop_id))
            .filter(event::Column::CustomerId.eq(customer))
            .exec(&txn)
            .await?;
        experiment_assignment::Entity::delete_many()
            .filter(experiment_assignment::Column::ShopId.eq(shop_id))
            .filter(experiment_assignment::Column::SubjectId.eq(customer.to_string()))
            .exec(&txn)
            .await?;
        data_export::Entity::delete_many()
            .filter(data_export::Column::ShopId.eq(shop_id))
            .filter(data_export::Column::CustomerId.eq(customer))
            .exec(&txn)
            .await?;
        // The Klaviyo profile id and push history of the customer.
        email_push_state::Entity::delete_many()
            .filter(email_push_state::Column::ShopId.eq(shop_id))
            .filter(email_push_state::Column::ProfileKey.eq(customer_profile(customer)))
            .exec(&txn)
            .await?;
    }
    receipts::forget_customer(&txn, shop_id, customer_id, orders_to_redact).await?;
    txn.commit().await
}

/// Anonymous browsing linked to the customer (login, checkout) is theirs too: delete those
/// events, assignments and the links themselves.
async fn redact_linked_browsing(
    conn: &impl sea_orm::ConnectionTrait,
    shop_id: i64,
    customer: i64,
) -> Result<(), DbErr> {
    let anonymous: Vec<String> = shopper_identity::Entity::find()
        .filter(shopper_identity::Column::ShopId.eq(shop_id))
        .filter(shopper_identity::Column::CustomerId.eq(customer))
        .all(conn)
        .await?
        .into_iter()
        .map(|link| link.anonymous_id)
        .collect();
    if anonymous.is_empty() {
        return Ok(());
    }
    event::Entity::delete_many()
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::AnonymousId.is_in(anonymous.iter().cloned()))
        .exec(conn)
        .await?;
    experiment_assignment::Entity::delete_many()
        .filter(experiment_assignment::Column::ShopId.eq(shop_id))
        .filter(experiment_assignment::Column::SubjectId.is_in(anonymous.iter().cloned()))
        .exec(conn)
        .await?;
    shopper_identity::Entity::delete_many()
        .filter(shopper_identity::Column::ShopId.eq(shop_id))
        .filter(shopper_identity::Column::CustomerId.eq(customer))
        .exec(conn)
        .await?;
    Ok(())
}

/// Gathers one customer's events and orders into a `data_exports` row (once per webhook).
///
/// # Errors
/// The database error.
pub async fn export_customer(
    db: &DatabaseConnection,
    shop_id: i64,
    customer_id: Option<i64>,
    orders_requested: &[i64],
    data_request_id: Option<String>,
    webhook_id: &str,
) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    let done = data_export::Entity::find()
        .filter(data_export::Column::ShopId.eq(shop_id))
        .filter(data_export::Column::WebhookId.eq(webhook_id))
        .one(&txn)
        .await?;
    if done.is_some() {
        return txn.commit().await;
    }
    let events: Vec<Value> = match customer_id {
        Some(customer) => event::Entity::find()
            .filter(event::Column::ShopId.eq(shop_id))
            .filter(event::Column::CustomerId.eq(customer))
            .order_by_asc(event::Column::OccurredAt)
            .all(&txn)
            .await?
            .into_iter()
            .map(|e| {
                json!({
                    "kind": e.kind, "occurred_at": e.occurred_at, "session_id": e.session_id,
                    "product_id": e.product_id, "variant_id": e.variant_id, "query": e.query,
                    "surface": e.surface, "device": e.device, "traffic_source": e.traffic_source,
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let orders = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(orders_of(customer_id, orders_requested))
        .all(&txn)
        .await?;
    let mut exported_orders = Vec::with_capacity(orders.len());
    for o in orders {
        let lines: Vec<Value> = order_line::Entity::find()
            .filter(order_line::Column::ShopId.eq(shop_id))
            .filter(order_line::Column::OrderId.eq(o.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|l| json!({"product_id": l.product_id, "variant_id": l.variant_id, "quantity": l.quantity, "price_minor": l.price_minor}))
            .collect();
        exported_orders.push(json!({
            "id": o.id, "placed_at": o.placed_at, "currency": o.currency,
            "total_minor": o.total_minor, "lines": lines,
        }));
    }
    let export = json!({
        "customer_id": customer_id,
        "events": events,
        "orders": exported_orders,
    });
    data_export::ActiveModel {
        shop_id: Set(shop_id),
        customer_id: Set(customer_id),
        data_request_id: Set(data_request_id),
        webhook_id: Set(webhook_id.to_owned()),
        export: Set(export),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await
}
