//! What the demo shop's home page shows, read from the database: headline numbers, best
//! sellers, new arrivals and the departments.

use std::collections::HashMap;

use entity::{category, event, order, order_line, product, shop, variant};
use sea_orm::sea_query::{Expr, ExprTrait, Order};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::data::{Card, cards, categories, names};

/// Products read per shelf: twice those shown, for the ones already on the page.
const SHELF: u64 = 24;
/// Products shown per shelf.
const SHELF_SHOWN: usize = 12;
/// Headline numbers of the shop.
pub struct Totals {
    pub products: u64,
    pub variants: u64,
    pub events: u64,
    pub orders: u64,
    pub brands: usize,
}
/// A top-level category and its leaves with product counts.
pub struct Department {
    pub id: String,
    pub name: String,
    pub leaves: Vec<Leaf>,
}

/// A leaf category of a department.
pub struct Leaf {
    pub id: String,
    pub name: String,
    pub products: u64,
}
/// Everything on the page.
pub struct Overview {
    pub shop: shop::Model,
    pub totals: Totals,
    pub departments: Vec<Department>,
    pub best_sellers: Vec<Card>,
    pub new_arrivals: Vec<Card>,
}
/// Reads the overview of `shop`; its shelves leave out the products in `shown` (the
/// recommendations above them), so no product appears twice on the page.
pub async fn overview(
    conn: &DatabaseConnection,
    shop: shop::Model,
    shown: &[i64],
) -> Result<Overview, DbErr> {
    let categories = categories(conn, shop.id).await?;
    let names = names(&categories);
    let best = best_seller_ids(conn, shop.id).await?;
    let sold: HashMap<i64, i64> = best.iter().copied().collect();
    let shelf = |ids: Vec<i64>, taken: &[i64]| -> Vec<i64> {
        ids.into_iter()
            .filter(|id| !shown.contains(id) && !taken.contains(id))
            .take(SHELF_SHOWN)
            .collect()
    };
    let best_ids = shelf(best.iter().map(|(id, _)| *id).collect(), &[]);
    let newest = shelf(newest_ids(conn, shop.id).await?, &best_ids);
    Ok(Overview {
        totals: totals(conn, shop.id).await?,
        departments: departments(conn, shop.id, &categories).await?,
        best_sellers: cards(conn, shop.id, &best_ids, &names, &sold).await?,
        new_arrivals: cards(conn, shop.id, &newest, &names, &sold).await?,
        shop,
    })
}
async fn totals(conn: &DatabaseConnection, shop_id: i64) -> Result<Totals, DbErr> {
    let brands: Vec<String> = product::Entity::find()
        .select_only()
        .column(product::Column::Brand)
        .distinct()
        .filter(product::Column::ShopId.eq(shop_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Totals {
        products: product::Entity::find()
            .filter(product::Column::ShopId.eq(shop_id))
            .count(conn)
            .await?,
        variants: variant::Entity::find()
            .filter(variant::Column::ShopId.eq(shop_id))
            .count(conn)
            .await?,
        events: event::Entity::find()
            .filter(event::Column::ShopId.eq(shop_id))
            .count(conn)
            .await?,
        orders: order::Entity::find()
            .filter(order::Column::ShopId.eq(shop_id))
            .count(conn)
            .await?,
        brands: brands.len(),
    })
}
async fn departments(
    conn: &DatabaseConnection,
    shop_id: i64,
    categories: &[category::Model],
) -> Result<Vec<Department>, DbErr> {
    let counts: Vec<(Option<String>, i64)> = product::Entity::find()
        .select_only()
        .column(product::Column::CategoryId)
        .column_as(Expr::col(product::Column::Id).count(), "products")
        .filter(product::Column::ShopId.eq(shop_id))
        .group_by(product::Column::CategoryId)
        .into_tuple()
        .all(conn)
        .await?;
    let counts: HashMap<String, u64> = counts
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect();
    let departments = categories
        .iter()
        .filter(|top| top.parent_id.is_none())
        .map(|top| Department {
            id: top.id.clone(),
            name: top.name.clone(),
            leaves: categories
                .iter()
                .filter(|leaf| leaf.parent_id.as_deref() == Some(top.id.as_str()))
                .map(|leaf| Leaf {
                    id: leaf.id.clone(),
                    name: leaf.name.clone(),
                    products: counts.get(&leaf.id).copied().unwrap_or(0),
                })
                .collect(),
        })
        .collect();
    Ok(departments)
}
async fn best_seller_ids(
    conn: &DatabaseConnection,
    shop_id: i64,
) -> Result<Vec<(i64, i64)>, DbErr> {
    let rows: Vec<(Option<i64>, Option<i64>)> = order_line::Entity::find()
        .select_only()
        .column(order_line::Column::ProductId)
        // SUM of a bigint is NUMERIC on PostgreSQL: cast so both backends decode an i64.
        .column_as(
            Expr::col(order_line::Column::Quantity)
                .sum()
                .cast_as("BIGINT"),
            "units",
        )
        .filter(order_line::Column::ShopId.eq(shop_id))
        .filter(order_line::Column::ProductId.is_not_null())
        .group_by(order_line::Column::ProductId)
        .order_by(Expr::col(order_line::Column::Quantity).sum(), Order::Desc)
        .limit(SHELF)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, units)| Some((id?, units.unwrap_or(0))))
        .collect())
}
async fn newest_ids(conn: &DatabaseConnection, shop_id: i64) -> Result<Vec<i64>, DbErr> {
    product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::Status.eq("active"))
        .order_by_desc(product::Column::PublishedAt)
        .limit(SHELF)
        .into_tuple()
        .all(conn)
        .await
}
