//! What the feeds read besides the catalog: recent engagement per product, collections
//! with their members, and recent restocks.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{collection, event, inventory, product_collection, variant};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// How far back engagement counts for "trending".
pub(super) const TRENDING_DAYS: i64 = 7;
/// How long a restock stays news.
pub(super) const RESTOCK_DAYS: i64 = 14;

/// Engagement per product since `TRENDING_DAYS` ago: a purchase counts more than an
/// add-to-cart, which counts more than a view.
pub(super) async fn engagement(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, f64>, DbErr> {
    let rows: Vec<(Option<i64>, String, i64)> = event::Entity::find()
        .select_only()
        .column(event::Column::ProductId)
        .column(event::Column::Kind)
        .column_as(Expr::expr(Func::count(Expr::col(event::Column::Id))), "n")
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::OccurredAt.gte(now - Duration::days(TRENDING_DAYS)))
        .filter(event::Column::ProductId.is_not_null())
        .filter(event::Column::Kind.is_in(["view", "add_to_cart", "purchase"]))
        .group_by(event::Column::ProductId)
        .group_by(event::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    let mut scores: HashMap<i64, f64> = HashMap::new();
    for (product, kind, n) in rows {
        let weight = match kind.as_str() {
            "purchase" => 5.0,
            "add_to_cart" => 3.0,
            _ => 1.0,
        };
        if let Some(product) = product {
            *scores.entry(product).or_default() += weight * n as f64;
        }
    }
    Ok(scores)
}

/// The shop's collections (handle, title, member products).
pub(super) async fn collections(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<Vec<(String, String, Vec<i64>)>, DbErr> {
    let all = collection::Entity::find()
        .filter(collection::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?;
    let memberships: Vec<(i64, i64)> = product_collection::Entity::find()
        .select_only()
        .column(product_collection::Column::CollectionId)
        .column(product_collection::Column::ProductId)
        .filter(product_collection::Column::ShopId.eq(shop_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
    for (collection, product) in memberships {
        members.entry(collection).or_default().push(product);
    }
    Ok(all
        .into_iter()
        .map(|c| {
            let products = members.remove(&c.id).unwrap_or_default();
            (c.handle, c.title, products)
        })
        .collect())
}

/// Products with a variant restocked within `RESTOCK_DAYS` and in stock now, with the
/// latest restock.
pub(super) async fn restocks(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, DateTime<Utc>>, DbErr> {
    let rows: Vec<(i64, Option<DateTime<Utc>>)> = inventory::Entity::find()
        .select_only()
        .column(inventory::Column::VariantId)
        .column(inventory::Column::RestockedAt)
        .filter(inventory::Column::ShopId.eq(shop_id))
        .filter(inventory::Column::Available.gt(0))
        .filter(inventory::Column::RestockedAt.gte(now - Duration::days(RESTOCK_DAYS)))
        .into_tuple()
        .all(conn)
        .await?;
    let at: HashMap<i64, DateTime<Utc>> = rows
        .into_iter()
        .filter_map(|(variant, at)| Some((variant, at?)))
        .collect();
    let mut products: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for chunk in at.keys().copied().collect::<Vec<_>>().chunks(500) {
        let owners: Vec<(i64, i64)> = variant::Entity::find()
            .select_only()
            .column(variant::Column::Id)
            .column(variant::Column::ProductId)
            .filter(variant::Column::ShopId.eq(shop_id))
            .filter(variant::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        for (variant, product) in owners {
            if let Some(&when) = at.get(&variant) {
                let latest = products.entry(product).or_insert(when);
                *latest = (*latest).max(when);
            }
        }
    }
    Ok(products)
}
