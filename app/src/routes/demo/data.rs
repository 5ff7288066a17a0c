//! What the demo shop's pages show, read from the database.

use std::collections::HashMap;

use entity::{category, event, inventory, order, order_line, product, shop, variant};
use sea_orm::sea_query::{Expr, ExprTrait, Order};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Products read per shelf: twice those shown, for the ones already on the page.
const SHELF: u64 = 24;
/// Products shown per shelf.
const SHELF_SHOWN: usize = 12;
/// Products shown on a category page.
const CATEGORY_PAGE: u64 = 48;

/// Headline numbers of the shop.
pub struct Totals {
    pub products: u64,
    pub variants: u64,
    pub events: u64,
    pub orders: u64,
    pub brands: usize,
}

/// One product card.
pub struct Card {
    pub id: i64,
    pub title: String,
    pub brand: String,
    pub category: String,
    pub hue: u16,
    pub price_minor: Option<i64>,
    pub stock: i64,
    pub units_sold: Option<i64>,
}

/// A top-level category and its leaves with product counts.
pub struct Department {
    pub name: String,
    pub leaves: Vec<Leaf>,
}

/// A leaf category of a department.
pub struct Leaf {
    pub id: String,
    pub name: String,
    pub products: u64,
}

/// A category page: its name and (the first) products.
pub struct CategoryView {
    pub name: String,
    pub cards: Vec<Card>,
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

/// The category `id` of the shop with its active products (those of its sub-categories
/// included), by title; `None` for an unknown category.
pub async fn category(
    conn: &DatabaseConnection,
    shop_id: i64,
    id: &str,
) -> Result<Option<CategoryView>, DbErr> {
    let categories = categories(conn, shop_id).await?;
    let Some(found) = categories.iter().find(|c| c.id == id) else {
        return Ok(None);
    };
    let within: Vec<&str> = categories
        .iter()
        .filter(|c| c.id == id || c.parent_id.as_deref() == Some(id))
        .map(|c| c.id.as_str())
        .collect();
    let ids: Vec<i64> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::Status.eq("active"))
        .filter(product::Column::CategoryId.is_in(within))
        .order_by_asc(product::Column::Title)
        .limit(CATEGORY_PAGE)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Some(CategoryView {
        name: found.name.clone(),
        cards: cards(conn, shop_id, &ids, &names(&categories), &HashMap::new()).await?,
    }))
}

/// The cart's products, in cart order (unknown ids are left out).
pub async fn cart(
    conn: &DatabaseConnection,
    shop_id: i64,
    ids: &[i64],
) -> Result<Vec<Card>, DbErr> {
    let categories = categories(conn, shop_id).await?;
    cards(conn, shop_id, ids, &names(&categories), &HashMap::new()).await
}

async fn categories(
    conn: &DatabaseConnection,
    shop_id: i64,
) -> Result<Vec<category::Model>, DbErr> {
    category::Entity::find()
        .filter(category::Column::ShopId.eq(shop_id))
        .all(conn)
        .await
}

fn names(categories: &[category::Model]) -> HashMap<String, String> {
    categories
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect()
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

async fn cards(
    conn: &DatabaseConnection,
    shop_id: i64,
    ids: &[i64],
    category_names: &HashMap<String, String>,
    sold: &HashMap<i64, i64>,
) -> Result<Vec<Card>, DbErr> {
    let products = product::Entity::find()
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let variants = variant::Entity::find()
        .filter(variant::Column::ShopId.eq(shop_id))
        .filter(variant::Column::ProductId.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let stock: HashMap<i64, i64> = inventory::Entity::find()
        .filter(inventory::Column::ShopId.eq(shop_id))
        .filter(inventory::Column::VariantId.is_in(variants.iter().map(|v| v.id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.variant_id, row.available))
        .collect();
    let by_id: HashMap<i64, &product::Model> = products.iter().map(|p| (p.id, p)).collect();
    let card = |id: &i64| {
        let item = by_id.get(id)?;
        let own = variants.iter().filter(|v| v.product_id == *id);
        Some(Card {
            id: *id,
            title: item.title.clone(),
            brand: item.brand.clone(),
            category: item
                .category_id
                .as_ref()
                .and_then(|c| category_names.get(c).cloned())
                .unwrap_or_default(),
            hue: item.attributes["image_hue"]
                .as_u64()
                .and_then(|h| u16::try_from(h).ok())
                .unwrap_or(0),
            price_minor: own.clone().map(|v| v.price_minor).min(),
            stock: own
                .map(|v| Ord::max(stock.get(&v.id).copied().unwrap_or(0), 0))
                .sum(),
            units_sold: sold.get(id).copied(),
        })
    };
    Ok(ids.iter().filter_map(card).collect())
}
