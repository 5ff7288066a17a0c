//! Reads what the index needs from the database: each product's text, its variants' option
//! values and the titles of the collections holding it.

use std::collections::HashMap;
use std::sync::Arc;

use entity::{collection, product, product_collection, variant};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::Value;

use super::SearchError;
use super::index::{ProductText, SearchIndex};
use crate::catalog::CatalogView;

/// The search index of `shop_id` over the products of `view` (the serving model's catalog).
/// Indexing is CPU-bound (seconds at 100,000 products), so it runs on the blocking pool and
/// never stalls the server thread that asked for it.
///
/// # Errors
/// The database error, [`SearchError::Index`], or [`SearchError::Build`] if the indexing
/// task panicked or was cancelled.
pub async fn load(
    conn: &DatabaseConnection,
    shop_id: i64,
    view: Arc<CatalogView>,
) -> Result<SearchIndex, SearchError> {
    let mut options: HashMap<i64, Vec<String>> = HashMap::new();
    for row in variant::Entity::find()
        .filter(variant::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
    {
        let values = options.entry(row.product_id).or_default();
        for value in option_values(&row.options) {
            if !values.contains(&value) {
                values.push(value);
            }
        }
    }
    let mut collections = collection_titles(conn, shop_id).await?;
    let products: Vec<ProductText> = product::Entity::find()
        .filter(product::Column::ShopId.eq(shop_id))
        .filter(product::Column::DeletedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .filter(|p| view.catalog.id_of(p.id).is_some())
        .map(|p| ProductText {
            id: p.id,
            tags: strings(&p.tags),
            options: options.remove(&p.id).unwrap_or_default(),
            collections: collections.remove(&p.id).unwrap_or_default(),
            title: p.title,
            product_type: p.product_type,
            brand: p.brand,
            vendor: p.vendor,
        })
        .collect();
    tokio::task::spawn_blocking(move || SearchIndex::build(&view, &products)).await?
}

/// The titles of the collections holding each product.
async fn collection_titles(
    conn: &DatabaseConnection,
    shop_id: i64,
) -> Result<HashMap<i64, Vec<String>>, SearchError> {
    let titles: HashMap<i64, String> = collection::Entity::find()
        .filter(collection::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.title))
        .collect();
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for row in product_collection::Entity::find()
        .filter(product_collection::Column::ShopId.eq(shop_id))
        .all(conn)
        .await?
    {
        if let Some(title) = titles.get(&row.collection_id) {
            out.entry(row.product_id).or_default().push(title.clone());
        }
    }
    Ok(out)
}

/// The values of a variant's `[[name, value], …]` options.
fn option_values(options: &Value) -> Vec<String> {
    options
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| pair.get(1)?.as_str().map(str::to_owned))
        .collect()
}

/// The strings of a JSON array (tags).
fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}
