//! A collection by its storefront handle, with its products: what a collection page orders.

use entity::{collection, product_collection};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// A collection and its member products.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Shopify's numeric id.
    pub id: i64,
    /// Storefront handle.
    pub handle: String,
    /// Title.
    pub title: String,
    /// Member products, in the merchant's position order (any status: the ranker's catalog
    /// leaves out what is not for sale).
    pub products: Vec<i64>,
}

/// The shop's collection with `handle` (`None` when it has none).
///
/// # Errors
/// The database's.
pub async fn by_handle(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    handle: &str,
) -> Result<Option<Collection>, DbErr> {
    let Some(found) = collection::Entity::find()
        .filter(collection::Column::ShopId.eq(shop_id))
        .filter(collection::Column::Handle.eq(handle))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let products: Vec<i64> = product_collection::Entity::find()
        .select_only()
        .column(product_collection::Column::ProductId)
        .filter(product_collection::Column::ShopId.eq(shop_id))
        .filter(product_collection::Column::CollectionId.eq(found.id))
        .order_by_asc(product_collection::Column::Position)
        .order_by_asc(product_collection::Column::ProductId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(Some(Collection {
        id: found.id,
        handle: found.handle,
        title: found.title,
        products,
    }))
}
