//! Which products a rule matches: read from the shop's catalog tables (the ranker's catalog
//! knows neither collections nor tags), active products only, so a deleted or archived
//! product is matched by nothing and the storefront ignores a pin to it.

use std::collections::HashMap;

use entity::{category, product, product_collection, variant};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, DerivePartialModel, EntityTrait, QueryFilter, QuerySelect,
};

use super::document::Target;

/// The columns a rule matches on.
#[derive(DerivePartialModel)]
#[sea_orm(entity = "product::Entity")]
struct Matchable {
    id: i64,
    vendor: String,
    category_id: Option<String>,
    tags: serde_json::Value,
}

/// The shop's active products as rules see them, read once for all of a shop's rules.
pub(crate) struct Snapshot {
    products: Vec<Matchable>,
    parents: HashMap<String, Option<String>>,
    prices: HashMap<i64, i64>,
}

impl Snapshot {
    /// Reads the shop's active products, their lowest prices and the category tree.
    pub(crate) async fn load(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Self, DbErr> {
        let products = product::Entity::find()
            .filter(product::Column::ShopId.eq(shop_id))
            .filter(product::Column::Status.eq("active"))
            .filter(product::Column::DeletedAt.is_null())
            .into_partial_model::<Matchable>()
            .all(conn)
            .await?;
        let parents = category::Entity::find()
            .filter(category::Column::ShopId.eq(shop_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.id, c.parent_id))
            .collect();
        let prices: Vec<(i64, Option<i64>)> = variant::Entity::find()
            .select_only()
            .column(variant::Column::ProductId)
            .column_as(variant::Column::PriceMinor.min(), "price")
            .filter(variant::Column::ShopId.eq(shop_id))
            .group_by(variant::Column::ProductId)
            .into_tuple()
            .all(conn)
            .await?;
        Ok(Self {
            products,
            parents,
            prices: prices
                .into_iter()
                .filter_map(|(id, price)| Some((id, price?)))
                .collect(),
        })
    }

    /// The active products `target` matches.
    pub(crate) async fn matched(
        &self,
        conn: &impl ConnectionTrait,
        shop_id: i64,
        target: &Target,
    ) -> Result<Vec<i64>, DbErr> {
        let members = match target {
            Target::Collection { collection_id } => Some(
                product_collection::Entity::find()
                    .select_only()
                    .column(product_collection::Column::ProductId)
                    .filter(product_collection::Column::ShopId.eq(shop_id))
                    .filter(product_collection::Column::CollectionId.eq(*collection_id))
                    .into_tuple::<i64>()
                    .all(conn)
                    .await?,
            ),
            _ => None,
        };
        Ok(self
            .products
            .iter()
            .filter(|p| match (target, &members) {
                (Target::Collection { .. }, Some(members)) => members.contains(&p.id),
                _ => self.matches(p, target),
            })
            .map(|p| p.id)
            .collect())
    }

    fn matches(&self, p: &Matchable, target: &Target) -> bool {
        match target {
            Target::Product { product_id } => p.id == *product_id,
            Target::Collection { .. } => false,
            Target::Tag { tag } => p.tags.as_array().is_some_and(|tags| {
                tags.iter()
                    .filter_map(|t| t.as_str())
                    .any(|t| t.trim().eq_ignore_ascii_case(tag.trim()))
            }),
            Target::Vendor { vendor } => p.vendor.trim().eq_ignore_ascii_case(vendor.trim()),
            Target::Category { category_id } => self.within(p.category_id.as_deref(), category_id),
            Target::PriceBand {
                min_minor,
                max_minor,
            } => self.prices.get(&p.id).is_some_and(|price| {
                min_minor.is_none_or(|min| *price >= min)
                    && max_minor.is_none_or(|max| *price <= max)
            }),
        }
    }

    /// Whether `category` is `ancestor` or below it (a cycle in bad data ends the walk).
    fn within(&self, category: Option<&str>, ancestor: &str) -> bool {
        let mut at = category;
        for _ in 0..=self.parents.len() {
            match at {
                Some(id) if id == ancestor => return true,
                Some(id) => at = self.parents.get(id).and_then(|p| p.as_deref()),
                None => return false,
            }
        }
        false
    }
}
