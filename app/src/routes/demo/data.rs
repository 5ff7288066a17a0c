//! What the demo shop's pages show of the catalog, read from the database: product cards,
//! categories and their names.

use std::collections::HashMap;

use entity::{category, inventory, product, variant};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// One product card.
pub struct Card {
    pub id: i64,
    pub title: String,
    pub brand: String,
    pub category: String,
    /// The top-level category (it picks the illustration's shape).
    pub department: String,
    pub hue: u16,
    pub price_minor: Option<i64>,
    pub stock: i64,
    pub units_sold: Option<i64>,
}
/// A category: its name, its parent (for the breadcrumb) and its active products (those of
/// its sub-categories included).
pub struct CategoryView {
    pub name: String,
    pub parent: Option<(String, String)>,
    pub products: Vec<i64>,
}

/// Leaf and top-level category names by category id.
pub type Names = HashMap<String, (String, String)>;
/// The category `id` of the shop with its active products; `None` for an unknown category.
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
    let products: Vec<i64> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::Status.eq("active"))
        .filter(product::Column::CategoryId.is_in(within))
        .order_by_asc(product::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let parent = found.parent_id.as_ref().and_then(|parent| {
        let top = categories.iter().find(|c| &c.id == parent)?;
        Some((top.id.clone(), top.name.clone()))
    });
    Ok(Some(CategoryView {
        name: found.name.clone(),
        parent,
        products,
    }))
}

/// The cards of `ids`, in that order (unknown ids are left out).
pub async fn cards_of(
    conn: &DatabaseConnection,
    shop_id: i64,
    ids: &[i64],
) -> Result<Vec<Card>, DbErr> {
    let categories = categories(conn, shop_id).await?;
    cards(conn, shop_id, ids, &names(&categories), &HashMap::new()).await
}

/// The shop's category names (leaf, top level) by id.
pub async fn category_names(conn: &DatabaseConnection, shop_id: i64) -> Result<Names, DbErr> {
    Ok(names(&categories(conn, shop_id).await?))
}
pub(super) async fn categories(
    conn: &DatabaseConnection,
    shop_id: i64,
) -> Result<Vec<category::Model>, DbErr> {
    category::Entity::find()
        .filter(category::Column::ShopId.eq(shop_id))
        .all(conn)
        .await
}

pub(super) fn names(categories: &[category::Model]) -> Names {
    let name = |id: &str| {
        categories
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
    };
    categories
        .iter()
        .map(|c| {
            let top = c.parent_id.as_deref().and_then(name);
            (
                c.id.clone(),
                (c.name.clone(), top.unwrap_or_else(|| c.name.clone())),
            )
        })
        .collect()
}
pub(super) async fn cards(
    conn: &DatabaseConnection,
    shop_id: i64,
    ids: &[i64],
    category_names: &Names,
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
    let stock = variant_stock(conn, shop_id, variants.iter().map(|v| v.id)).await?;
    let by_id: HashMap<i64, &product::Model> = products.iter().map(|p| (p.id, p)).collect();
    let card = |id: &i64| {
        let item = by_id.get(id)?;
        let own = variants.iter().filter(|v| v.product_id == *id);
        let (category, department) = item
            .category_id
            .as_ref()
            .and_then(|c| category_names.get(c).cloned())
            .unwrap_or_default();
        Some(Card {
            id: *id,
            title: item.title.clone(),
            brand: item.brand.clone(),
            category,
            department,
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

/// Units available per variant among `variant_ids` (a variant without a row has none).
pub(super) async fn variant_stock(
    conn: &DatabaseConnection,
    shop_id: i64,
    variant_ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, i64>, DbErr> {
    Ok(inventory::Entity::find()
        .filter(inventory::Column::ShopId.eq(shop_id))
        .filter(inventory::Column::VariantId.is_in(variant_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.variant_id, row.available))
        .collect())
}
