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

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use common::Database;
    use common::testing::TestDatabase;
    use entity::{collection, shop};
    use sea_orm::{ActiveModelTrait, Set};
    use serde_json::json;

    use super::*;

    /// A product row: `status`, `deleted` aside, active and visible.
    struct Fixture {
        id: i64,
        vendor: &'static str,
        tags: &'static [&'static str],
        category: &'static str,
        prices: &'static [i64],
        status: &'static str,
        deleted: bool,
    }

    /// Five products, of which 4 is archived and 5 deleted (so nothing matches them), in
    /// the category tree aa > aa-1 > aa-1-1 and bb; collection 10 holds 1, 3 and 4.
    const CATALOG: [Fixture; 5] = [
        Fixture {
            id: 1,
            vendor: "Acme",
            tags: &["Summer", "sale"],
            category: "aa-1-1",
            prices: &[1_000, 3_000],
            status: "active",
            deleted: false,
        },
        Fixture {
            id: 2,
            vendor: "acme ",
            tags: &["winter"],
            category: "aa-1",
            prices: &[2_500],
            status: "active",
            deleted: false,
        },
        Fixture {
            id: 3,
            vendor: "Other",
            tags: &[" SUMMER "],
            category: "bb",
            prices: &[5_000],
            status: "active",
            deleted: false,
        },
        Fixture {
            id: 4,
            vendor: "Acme",
            tags: &["summer"],
            category: "aa-1-1",
            prices: &[1_000],
            status: "archived",
            deleted: false,
        },
        Fixture {
            id: 5,
            vendor: "Acme",
            tags: &["summer"],
            category: "aa-1-1",
            prices: &[1_000],
            status: "active",
            deleted: true,
        },
    ];

    async fn insert_catalog(db: &Database) -> i64 {
        let now = Utc::now();
        let conn = &db.conn;
        let shop = shop::ActiveModel {
            domain: Set("rules.myshopify.com".into()),
            name: Set("Rules".into()),
            currency: Set("USD".into()),
            is_demo: Set(false),
            scopes: Set(String::new()),
            ingest_key: Set("key".into()),
            installed_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await
        .unwrap();
        for (id, parent, depth) in [
            ("aa", None, 0),
            ("aa-1", Some("aa"), 1),
            ("aa-1-1", Some("aa-1"), 2),
            ("bb", None, 0),
        ] {
            category::ActiveModel {
                shop_id: Set(shop.id),
                id: Set(id.into()),
                name: Set(id.into()),
                parent_id: Set(parent.map(str::to_owned)),
                full_path: Set(id.into()),
                depth: Set(depth),
            }
            .insert(conn)
            .await
            .unwrap();
        }
        for p in &CATALOG {
            product::ActiveModel {
                shop_id: Set(shop.id),
                id: Set(p.id),
                handle: Set(format!("p-{}", p.id)),
                title: Set(format!("Product {}", p.id)),
                description: Set(String::new()),
                product_type: Set(String::new()),
                vendor: Set(p.vendor.into()),
                brand: Set(p.vendor.into()),
                category_id: Set(Some(p.category.into())),
                tags: Set(json!(p.tags)),
                attributes: Set(json!({})),
                status: Set(p.status.into()),
                image_url: Set(None),
                published_at: Set(now),
                source_updated_at: Set(now),
                deleted_at: Set(p.deleted.then_some(now)),
            }
            .insert(conn)
            .await
            .unwrap();
            for (i, price) in p.prices.iter().enumerate() {
                variant::ActiveModel {
                    shop_id: Set(shop.id),
                    id: Set(p.id * 100 + i64::try_from(i).unwrap()),
                    product_id: Set(p.id),
                    title: Set("Default".into()),
                    sku: Set(None),
                    options: Set(json!([])),
                    price_minor: Set(*price),
                    compare_at_price_minor: Set(None),
                    position: Set(i32::try_from(i).unwrap() + 1),
                    source_updated_at: Set(now),
                }
                .insert(conn)
                .await
                .unwrap();
            }
        }
        collection::ActiveModel {
            shop_id: Set(shop.id),
            id: Set(10),
            handle: Set("picks".into()),
            title: Set("Picks".into()),
            source_updated_at: Set(now),
        }
        .insert(conn)
        .await
        .unwrap();
        for (position, product_id) in [1, 3, 4].into_iter().enumerate() {
            product_collection::ActiveModel {
                shop_id: Set(shop.id),
                collection_id: Set(10),
                product_id: Set(product_id),
                position: Set(i32::try_from(position).unwrap()),
            }
            .insert(conn)
            .await
            .unwrap();
        }
        shop.id
    }

    #[tokio::test]
    async fn each_kind_of_target_matches_its_active_products() {
        let database = TestDatabase::create().await;
        let db = Database::connect(&database.settings).await.unwrap();
        db.migrate().await.unwrap();
        let shop_id = insert_catalog(&db).await;
        let snapshot = Snapshot::load(&db.conn, shop_id).await.unwrap();
        let band = |min_minor, max_minor| Target::PriceBand {
            min_minor,
            max_minor,
        };
        let cases = [
            (Target::Product { product_id: 1 }, vec![1]),
            (Target::Product { product_id: 4 }, vec![]),
            (Target::Collection { collection_id: 10 }, vec![1, 3]),
            (Target::Collection { collection_id: 11 }, vec![]),
            (
                Target::Tag {
                    tag: "summer".into(),
                },
                vec![1, 3],
            ),
            (
                Target::Tag {
                    tag: "autumn".into(),
                },
                vec![],
            ),
            (
                Target::Vendor {
                    vendor: " ACME".into(),
                },
                vec![1, 2],
            ),
            (
                Target::Category {
                    category_id: "aa".into(),
                },
                vec![1, 2],
            ),
            (
                Target::Category {
                    category_id: "aa-1-1".into(),
                },
                vec![1],
            ),
            (
                Target::Category {
                    category_id: "bb".into(),
                },
                vec![3],
            ),
            // The lowest variant price counts: product 1 (1,000 and 3,000) is not in 2,000+.
            (band(Some(2_000), Some(5_000)), vec![2, 3]),
            (band(None, Some(1_000)), vec![1]),
            (band(Some(2_600), None), vec![3]),
        ];

        for (target, expected) in cases {
            let mut matched = snapshot.matched(&db.conn, shop_id, &target).await.unwrap();
            matched.sort_unstable();
            assert_eq!(matched, expected, "{target:?}");
        }
    }
}
