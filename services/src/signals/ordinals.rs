//! Products numbered 1, 2, 3… per shop (`product_ordinals`), the names packed impressions
//! give them (layout 4 of `packed`): two products of a catalog differ by at most its size,
//! where two Shopify ids differ by a 13-digit number.
//!
//! A shop's products get their numbers the first time an answer of the shop is stored with
//! a product that has none, all of them at once; a number never changes, so the impression
//! writer keeps the numbers it has read ([`Ordinals`]) and reads a shop's again only when an
//! answer shows a product it does not know (at most every [`REREAD_AFTER`]) or its copy is
//! older than [`KEPT_FOR`]. A product without a number (not in the catalog, or new since
//! the last read) is written by its Shopify id: a few bytes more, never wrong.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use entity::product_ordinal;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::packed::ProductRef;

/// Shortest time between two reads of one shop's numbers for products they lack.
const REREAD_AFTER: Duration = Duration::from_secs(5);
/// Longest a shop's numbers are kept without reading them again (a shop deleted and
/// installed again numbers its products anew).
const KEPT_FOR: Duration = Duration::from_secs(600);
/// Ordinals per lookup statement, far below either database's bound-parameter limit.
const PER_QUERY: usize = 5_000;

/// The numbers an impression writer has read, per shop.
#[derive(Debug, Default)]
pub struct Ordinals {
    shops: HashMap<i64, ShopOrdinals>,
    /// Names every product by its id and never reads (the queue-overflow path).
    unread: bool,
}

#[derive(Debug)]
struct ShopOrdinals {
    by_product: HashMap<i64, i32>,
    read_at: Instant,
}

impl Ordinals {
    /// Numbers that are never read: every product is written by its id. For a writer that
    /// must not add statements (a request storing its own impression under overload).
    #[must_use]
    pub fn unread() -> Self {
        Self {
            shops: HashMap::new(),
            unread: true,
        }
    }

    /// Makes sure the products of `shown` (pairs of shop and product) have their numbers
    /// here where they can: numbers the shops' unnumbered products and reads the numbers of
    /// each shop that shows a product this does not know.
    ///
    /// # Errors
    /// The database error.
    pub async fn prepare(
        &mut self,
        conn: &impl ConnectionTrait,
        shown: Vec<(i64, i64)>,
    ) -> Result<(), DbErr> {
        if self.unread {
            return Ok(());
        }
        let now = Instant::now();
        let mut to_read: Vec<i64> = Vec::new();
        for (shop_id, product_id) in shown {
            if !to_read.contains(&shop_id) && self.should_read(shop_id, product_id, now) {
                to_read.push(shop_id);
            }
        }
        for shop_id in to_read {
            number_products(conn, shop_id).await?;
            let by_product = numbers_of(conn, shop_id).await?;
            self.shops.insert(
                shop_id,
                ShopOrdinals {
                    by_product,
                    read_at: now,
                },
            );
        }
        Ok(())
    }

    fn should_read(&self, shop_id: i64, product_id: i64, now: Instant) -> bool {
        let Some(shop) = self.shops.get(&shop_id) else {
            return true;
        };
        let age = now.saturating_duration_since(shop.read_at);
        age >= KEPT_FOR || (age >= REREAD_AFTER && !shop.by_product.contains_key(&product_id))
    }

    /// Forgets every number read: after a transaction that numbered products failed, the
    /// numbers it gave are not in the database.
    pub fn forget(&mut self) {
        self.shops.clear();
    }

    /// How a packed slate of `shop_id` names `product_id`.
    #[must_use]
    pub fn name(&self, shop_id: i64, product_id: i64) -> ProductRef {
        self.shops
            .get(&shop_id)
            .and_then(|shop| shop.by_product.get(&product_id))
            .map_or(ProductRef::Id(product_id), |n| ProductRef::Ordinal(*n))
    }
}

/// Numbers the shop's products that have none, after its highest number, by category and
/// then id: an answer's modules mostly show products of one category or its neighbours,
/// which then differ by a few numbers, a one-byte difference.
/// Two writers numbering at once (app processes on one PostgreSQL) number the same products
/// alike or one of them skips a product, which keeps its id until the next read.
async fn number_products(conn: &impl ConnectionTrait, shop_id: i64) -> Result<(), DbErr> {
    // The shop id is an integer, so formatting it into the statement is safe; it spares
    // writing the same statement with each database's placeholders.
    let sql = format!(
        "INSERT INTO product_ordinals (shop_id, product_id, ordinal) \
         SELECT p.shop_id, p.id, \
           (SELECT COALESCE(MAX(o.ordinal), 0) FROM product_ordinals o \
            WHERE o.shop_id = {shop_id}) + ROW_NUMBER() OVER (ORDER BY p.category_id, p.id) \
         FROM products p \
         WHERE p.shop_id = {shop_id} AND NOT EXISTS (SELECT 1 FROM product_ordinals o \
           WHERE o.shop_id = p.shop_id AND o.product_id = p.id) \
         ON CONFLICT DO NOTHING"
    );
    conn.execute_unprepared(&sql).await?;
    Ok(())
}

/// Every numbered product of the shop.
async fn numbers_of(conn: &impl ConnectionTrait, shop_id: i64) -> Result<HashMap<i64, i32>, DbErr> {
    let rows: Vec<(i64, i32)> = product_ordinal::Entity::find()
        .select_only()
        .columns([
            product_ordinal::Column::ProductId,
            product_ordinal::Column::Ordinal,
        ])
        .filter(product_ordinal::Column::ShopId.eq(shop_id))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The products of the shop's `ordinals` (those that are numbers of its products).
///
/// # Errors
/// The database error.
pub async fn products_of(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    ordinals: &[i32],
) -> Result<HashMap<i32, i64>, DbErr> {
    let mut out = HashMap::with_capacity(ordinals.len());
    for chunk in ordinals.chunks(PER_QUERY) {
        let rows: Vec<(i32, i64)> = product_ordinal::Entity::find()
            .select_only()
            .columns([
                product_ordinal::Column::Ordinal,
                product_ordinal::Column::ProductId,
            ])
            .filter(product_ordinal::Column::ShopId.eq(shop_id))
            .filter(product_ordinal::Column::Ordinal.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}
