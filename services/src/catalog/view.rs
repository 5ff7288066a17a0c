//! Loads a shop's catalog from the database into a [`ranker::Catalog`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{category, category_adjacency, inventory, order, order_line, product, variant};
use ranker::candidates::complements::CategoryGraph;
use ranker::{Catalog, CategoryId, ItemSpec};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, DerivePartialModel, EntityTrait,
    QueryFilter, QuerySelect,
};

use super::features::{InventoryHealth, margin};

/// Days of orders behind the sales velocity.
const VELOCITY_WINDOW_DAYS: i64 = 30;
/// Margin assumed when no product of the shop has a known cost.
const NEUTRAL_MARGIN: f64 = 0.5;
/// The category of products the merchant has not categorised.
pub const UNCATEGORISED: &str = "Uncategorised";

/// What was derived for one product (for the admin and for explanations).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ItemFacts {
    /// Lowest variant price, minor units.
    pub price_minor: i64,
    /// Margin from known unit costs; `None` when no variant's cost is known.
    pub margin: Option<f64>,
    /// Units available over all variants.
    pub available: i64,
    /// Units sold per day over the velocity window.
    pub units_per_day: f64,
    /// Stock against velocity.
    pub health: InventoryHealth,
}

/// The ranker's catalog and the facts behind its features, keyed by product id.
pub struct CatalogView {
    /// Items for the ranker.
    pub catalog: Catalog,
    /// Derived facts per product id.
    pub facts: HashMap<i64, ItemFacts>,
}

/// The columns of a product the ranker reads: whole rows (descriptions, tags, attributes)
/// were most of the catalog load at 100,000 products.
#[derive(DerivePartialModel)]
#[sea_orm(entity = "product::Entity")]
struct RankedProduct {
    id: i64,
    category_id: Option<String>,
    brand: String,
    vendor: String,
    published_at: DateTime<Utc>,
}

/// The full path of each of the shop's categories (`Apparel > Shoes > Boots`), by category id.
///
/// # Errors
/// The database error.
pub async fn category_paths(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<HashMap<String, String>, DbErr> {
    Ok(category::Entity::find()
        .filter(category::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|cat| (cat.id, cat.full_path))
        .collect())
}

/// Loads the active products of `shop_id` with their derived features as of `now`.
///
/// Products without a category or without variants are left out: the ranker needs both.
/// The shop's `category_adjacency` rows (taxonomy and co-purchase) become the catalog's
/// category graph, which the ranker consults next to the tree for its adjacency rules.
///
/// # Errors
/// The database error.
pub async fn load(
    conn: &DatabaseConnection,
    shop_id: i64,
    now: DateTime<Utc>,
) -> Result<CatalogView, DbErr> {
    let paths = category_paths(conn, shop_id).await?;
    let products = product::Entity::find()
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::Status.eq("active"))
        .filter(product::Column::DeletedAt.is_null())
        .into_partial_model::<RankedProduct>()
        .all(conn)
        .await?;
    let facts = product_facts(conn, shop_id, now).await?;
    let known: Vec<f64> = facts.values().filter_map(|f| f.margin).collect();
    let fallback_margin = median(known).unwrap_or(NEUTRAL_MARGIN);
    let mut builder = Catalog::builder(0);
    // Ranker ids of the categories that hold items, by stored key.
    let mut used: HashMap<String, CategoryId> = HashMap::new();
    for item in &products {
        let Some(fact) = facts.get(&item.id) else {
            continue;
        };
        // A product the merchant never categorised still has a page that shows
        // recommendations: it sits in a category of its own, which pairs with none.
        let known = item
            .category_id
            .as_ref()
            .and_then(|key| Some((key, paths.get(key)?)));
        let path = known.map_or(UNCATEGORISED, |(_, path)| path.as_str());
        let segments: Vec<&str> = path.split(" > ").collect();
        let Some(category) = builder.category(&segments) else {
            continue;
        };
        if let Some((key, _)) = known {
            used.insert(key.clone(), category);
        }
        let spec = ItemSpec::new(item.id, category)
            .brand(builder.brand(&item.brand))
            .vendor(builder.vendor(&item.vendor))
            .price(minor_to_major(fact.price_minor))
            .margin(narrow(fact.margin.unwrap_or(fallback_margin).max(0.0)))
            .stock(fact.available > 0, fact.health.score())
            .created_at(item.published_at.timestamp());
        if let Err(err) = builder.add_item(spec) {
            tracing::warn!(product = item.id, %err, "product left out of the ranker catalog");
        }
    }
    let mut catalog = builder.build();
    catalog.set_category_graph(category_graph(conn, shop_id, &used).await?);
    Ok(CatalogView { catalog, facts })
}

/// The stored adjacency between categories that hold items, each pair once (the graph adds
/// both directions) with its strongest weight.
async fn category_graph(
    conn: &DatabaseConnection,
    shop_id: i64,
    used: &HashMap<String, CategoryId>,
) -> Result<CategoryGraph, DbErr> {
    let rows = category_adjacency::Entity::find()
        .filter(category_adjacency::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?;
    let mut pairs: HashMap<(CategoryId, CategoryId), f64> = HashMap::new();
    for row in rows {
        let (Some(&a), Some(&b)) = (used.get(&row.category_id), used.get(&row.adjacent_id)) else {
            continue;
        };
        // A category paired with itself is replenishable (see `adjacency::repeat_edges`).
        let strongest = pairs.entry((a.min(b), a.max(b))).or_insert(row.weight);
        *strongest = strongest.max(row.weight);
    }
    let mut graph = CategoryGraph::default();
    for ((a, b), weight) in pairs {
        graph.connect(a, b, narrow(weight));
    }
    Ok(graph)
}

/// Price, margin, stock and velocity per product.
async fn product_facts(
    conn: &DatabaseConnection,
    shop_id: i64,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, ItemFacts>, DbErr> {
    // (variant id, product id, price in minor units): all the facts need of a variant.
    let variants: Vec<(i64, i64, i64)> = variant::Entity::find()
        .select_only()
        .columns([
            variant::Column::Id,
            variant::Column::ProductId,
            variant::Column::PriceMinor,
        ])
        .filter(variant::Column::ShopId.eq(shop_id))
        .into_tuple()
        .all(conn)
        .await?;
    let stock: HashMap<i64, (i64, Option<i64>)> = inventory::Entity::find()
        .filter(inventory::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.variant_id, (row.available, row.unit_cost_minor)))
        .collect();
    let sold = units_sold_since(conn, shop_id, now - Duration::days(VELOCITY_WINDOW_DAYS)).await?;
    // Per product: (variant id, price).
    let mut grouped: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for &(variant_id, product_id, price_minor) in &variants {
        grouped
            .entry(product_id)
            .or_default()
            .push((variant_id, price_minor));
    }
    let facts = grouped
        .into_iter()
        .filter_map(|(product_id, vars)| {
            let price_minor = vars.iter().map(|&(_, price)| price).min()?;
            let margins: Vec<f64> = vars
                .iter()
                .filter_map(|&(id, price)| margin(price, stock.get(&id).and_then(|s| s.1)))
                .collect();
            let available: i64 = vars
                .iter()
                .map(|(id, _)| stock.get(id).map_or(0, |s| s.0.max(0)))
                .sum();
            #[expect(clippy::cast_precision_loss, reason = "unit counts are small")]
            let units_per_day =
                sold.get(&product_id).copied().unwrap_or(0) as f64 / VELOCITY_WINDOW_DAYS as f64;
            let fact = ItemFacts {
                price_minor,
                margin: mean(&margins),
                available,
                units_per_day,
                health: InventoryHealth::classify(available, units_per_day),
            };
            Some((product_id, fact))
        })
        .collect();
    Ok(facts)
}

/// Units sold per product in orders placed since `since`.
async fn units_sold_since(
    conn: &DatabaseConnection,
    shop_id: i64,
    since: DateTime<Utc>,
) -> Result<HashMap<i64, i64>, DbErr> {
    let recent: Vec<i64> = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::PlacedAt.gte(since))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let mut sold = HashMap::new();
    for chunk in recent.chunks(500) {
        let lines = order_line::Entity::find()
            .filter(order_line::Column::ShopId.eq(shop_id))
            .filter(order_line::Column::OrderId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        for line in lines {
            if let Some(product_id) = line.product_id {
                *sold.entry(product_id).or_insert(0) += line.quantity.max(0);
            }
        }
    }
    Ok(sold)
}

fn mean(values: &[f64]) -> Option<f64> {
    #[expect(clippy::cast_precision_loss, reason = "a product has few variants")]
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

#[expect(
    clippy::cast_precision_loss,
    reason = "the ranker works in f32 major units"
)]
fn minor_to_major(minor: i64) -> f32 {
    (minor as f64 / 100.0) as f32
}

#[expect(clippy::cast_possible_truncation, reason = "features are in [0, 1]")]
fn narrow(value: f64) -> f32 {
    value as f32
}
