//! Category adjacency learnt from co-purchases, merged with the taxonomy adjacency.
//!
//! Two leaf categories are adjacent when shoppers buy them together more often than chance:
//! over the shop's orders of the last [`AdjacencyConfig::window_days`] days, each order is
//! reduced to the set of leaf categories of its products, and a pair (a, b) is kept when
//! - it appears in at least [`AdjacencyConfig::min_orders`] orders (support: a pair seen in
//!   one or two orders is noise, not a habit), and
//! - its lift `n_ab · N / (n_a · n_b)` is at least [`AdjacencyConfig::min_lift`] (bought
//!   together clearly more often than two independent purchases would be; popular categories
//!   co-occur with everything and are filtered out by this, not by support).
//!
//! The stored weight is the normalised co-occurrence `n_ab / √(n_a · n_b)` (the Ochiai
//! coefficient, in (0, 1]), and each category keeps its [`AdjacencyConfig::max_per_category`]
//! strongest partners. Rows are directed and written in both directions.
//!
//! A category is also adjacent to itself when it is *replenishable*: enough of its buyers buy
//! it again in another order (see [`repeat_edges`]); such a category's products may complete
//! a cart that already holds one.
//!
//! Rows of other sources (`taxonomy`, `demo`) are never touched: a pair they already hold keeps
//! its row (the table's key is the pair), and only the `copurchase` rows are replaced, in one
//! transaction, so a reader sees either the old or the new set.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use common::database::begin_write;
use entity::{category_adjacency, order, order_line, product};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter,
};

/// `category_adjacency.source` of the rows this module derives.
pub const COPURCHASE: &str = "copurchase";

/// Rows per INSERT: well under SQLite's bound-parameter limit at five columns.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Why deriving adjacency failed.
#[derive(Debug, thiserror::Error)]
pub enum AdjacencyError {
    /// Reading orders or writing the rows failed; the previous rows stay.
    #[error("category adjacency: {0}")]
    Database(#[from] DbErr),
}

/// Thresholds of the co-purchase adjacency; the defaults are documented on the module.
#[derive(Debug, Clone, Copy)]
pub struct AdjacencyConfig {
    /// Days of orders considered (a season's worth, so that tastes can change).
    pub window_days: i64,
    /// Orders a pair must appear in.
    pub min_orders: u32,
    /// Lift a pair must reach.
    pub min_lift: f64,
    /// Partners kept per category, strongest first.
    pub max_per_category: usize,
    /// Share of a category's buyers who bought it in two or more orders for it to count as
    /// replenishable.
    pub min_repeat_share: f64,
}

impl Default for AdjacencyConfig {
    fn default() -> Self {
        Self {
            window_days: 180,
            min_orders: 3,
            min_lift: 1.5,
            max_per_category: 8,
            min_repeat_share: 0.2,
        }
    }
}

/// A directed edge between two leaf categories.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Category bought.
    pub category_id: String,
    /// Category bought with it.
    pub adjacent_id: String,
    /// Normalised co-occurrence in (0, 1].
    pub weight: f64,
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdjacencyReport {
    /// Orders with at least one categorised product in the window.
    pub orders: usize,
    /// Co-purchase rows written.
    pub written: usize,
    /// Edges left out because a taxonomy (or demo) row already holds the pair.
    pub shadowed: usize,
}

/// Derives the co-purchase edges from baskets (each the leaf categories of one order's
/// products; repeats within a basket count once).
#[must_use]
pub fn copurchase_edges<B, S>(baskets: B, config: &AdjacencyConfig) -> Vec<Edge>
where
    B: IntoIterator,
    B::Item: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut names: Vec<String> = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut single: Vec<u32> = Vec::new();
    let mut pairs: HashMap<(usize, usize), u32> = HashMap::new();
    let mut orders = 0_u32;
    for basket in baskets {
        let mut cats: Vec<usize> = basket
            .into_iter()
            .map(|name| intern(&mut names, &mut ids, &mut single, name.as_ref()))
            .collect();
        cats.sort_unstable();
        cats.dedup();
        if cats.is_empty() {
            continue;
        }
        orders += 1;
        for (i, &a) in cats.iter().enumerate() {
            single[a] += 1;
            for &b in &cats[i + 1..] {
                *pairs.entry((a, b)).or_insert(0) += 1;
            }
        }
    }
    let mut partners: HashMap<usize, Vec<(usize, f64)>> = HashMap::new();
    for ((a, b), together) in pairs {
        let (n_a, n_b) = (f64::from(single[a]), f64::from(single[b]));
        let lift = f64::from(together) * f64::from(orders) / (n_a * n_b);
        if together >= config.min_orders && lift >= config.min_lift {
            let weight = f64::from(together) / (n_a * n_b).sqrt();
            partners.entry(a).or_default().push((b, weight));
            partners.entry(b).or_default().push((a, weight));
        }
    }
    let mut edges = Vec::new();
    for (from, mut list) in partners {
        // Strongest first; ties by name so the result does not depend on hash order.
        list.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(names[x.0].cmp(&names[y.0])));
        list.truncate(config.max_per_category);
        edges.extend(list.into_iter().map(|(to, weight)| Edge {
            category_id: names[from].clone(),
            adjacent_id: names[to].clone(),
            weight,
        }));
    }
    edges.sort_unstable_by(|x, y| {
        (&x.category_id, &x.adjacent_id).cmp(&(&y.category_id, &y.adjacent_id))
    });
    edges
}

/// Replenishable categories as edges from a category to itself: leaf categories whose
/// buyers come back for more of the same kind in another order (skincare, coffee, candles),
/// so a product of the category may complete a cart holding one. Kept when at least
/// [`AdjacencyConfig::min_orders`] customers bought the category in two or more orders and
/// they are at least [`AdjacencyConfig::min_repeat_share`] of its buyers; the weight is that
/// share. Orders without a known customer say nothing about coming back.
#[must_use]
pub fn repeat_edges<'a>(
    baskets: impl IntoIterator<Item = &'a Basket>,
    config: &AdjacencyConfig,
) -> Vec<Edge> {
    let mut orders: HashMap<(&str, i64), u32> = HashMap::new();
    for basket in baskets {
        let Some(customer) = basket.customer else {
            continue;
        };
        let mut categories: Vec<&str> = basket.categories.iter().map(String::as_str).collect();
        categories.sort_unstable();
        categories.dedup();
        for category in categories {
            *orders.entry((category, customer)).or_default() += 1;
        }
    }
    let mut buyers: HashMap<&str, (u32, u32)> = HashMap::new();
    for ((category, _), count) in orders {
        let (all, repeat) = buyers.entry(category).or_default();
        *all += 1;
        *repeat += u32::from(count >= 2);
    }
    let mut edges: Vec<Edge> = buyers
        .into_iter()
        .filter_map(|(category, (all, repeat))| {
            let share = f64::from(repeat) / f64::from(Ord::max(all, 1));
            (repeat >= config.min_orders && share >= config.min_repeat_share).then(|| Edge {
                category_id: category.to_owned(),
                adjacent_id: category.to_owned(),
                weight: share,
            })
        })
        .collect();
    edges.sort_by(|a, b| a.category_id.cmp(&b.category_id));
    edges
}

fn intern(
    names: &mut Vec<String>,
    ids: &mut HashMap<String, usize>,
    single: &mut Vec<u32>,
    name: &str,
) -> usize {
    if let Some(&id) = ids.get(name) {
        return id;
    }
    names.push(name.to_owned());
    single.push(0);
    ids.insert(name.to_owned(), names.len() - 1);
    names.len() - 1
}

/// Recomputes `shop_id`'s co-purchase adjacency from its orders as of `now` and replaces
/// the stored co-purchase rows atomically; taxonomy rows stay as they are.
///
/// # Errors
/// [`AdjacencyError`]; the previous rows stay when it fails.
pub async fn refresh(
    conn: &DatabaseConnection,
    shop_id: i64,
    now: DateTime<Utc>,
    config: &AdjacencyConfig,
) -> Result<AdjacencyReport, AdjacencyError> {
    let baskets = baskets(conn, shop_id, now - Duration::days(config.window_days)).await?;
    let mut edges = copurchase_edges(baskets.values().map(|b| &b.categories), config);
    edges.extend(repeat_edges(baskets.values(), config));
    let txn = begin_write(conn).await?;
    let taken = other_sources(&txn, shop_id).await?;
    category_adjacency::Entity::delete_many()
        .filter(category_adjacency::Column::ShopId.eq(shop_id))
        .filter(category_adjacency::Column::Source.eq(COPURCHASE))
        .exec(&txn)
        .await?;
    let (fresh, shadowed): (Vec<Edge>, Vec<Edge>) = edges
        .into_iter()
        .partition(|edge| !taken.contains(&(edge.category_id.clone(), edge.adjacent_id.clone())));
    let written = fresh.len();
    insert(&txn, shop_id, fresh).await?;
    txn.commit().await?;
    Ok(AdjacencyReport {
        orders: baskets.len(),
        written,
        shadowed: shadowed.len(),
    })
}

/// One categorised product of one order.
#[derive(Debug, FromQueryResult)]
struct OrderCategory {
    order_id: i64,
    customer_id: Option<i64>,
    category_id: String,
}

/// One order's leaf categories and who placed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Basket {
    /// The customer, when the order was placed by a known one.
    pub customer: Option<i64>,
    /// Leaf categories of its products.
    pub categories: Vec<String>,
}

/// Leaf categories per order placed since `since` (products without a category, deleted
/// line items and unknown products are left out).
async fn baskets(
    conn: &DatabaseConnection,
    shop_id: i64,
    since: DateTime<Utc>,
) -> Result<HashMap<i64, Basket>, DbErr> {
    use order::Column as O;
    use order_line::Column as L;
    use product::Column as P;
    let (lines, orders, products) = (order_line::Entity, order::Entity, product::Entity);
    let select = Query::select()
        .distinct()
        .column((lines, L::OrderId))
        .column((orders, O::CustomerId))
        .column((products, P::CategoryId))
        .from(lines)
        .inner_join(
            orders,
            Expr::col((orders, O::ShopId))
                .equals((lines, L::ShopId))
                .and(Expr::col((orders, O::Id)).equals((lines, L::OrderId))),
        )
        .inner_join(
            products,
            Expr::col((products, P::ShopId))
                .equals((lines, L::ShopId))
                .and(Expr::col((products, P::Id)).equals((lines, L::ProductId))),
        )
        .and_where(Expr::col((lines, L::ShopId)).eq(shop_id))
        .and_where(Expr::col((orders, O::PlacedAt)).gte(since))
        .and_where(Expr::col((products, P::CategoryId)).is_not_null())
        .to_owned();
    let rows = OrderCategory::find_by_statement(conn.get_database_backend().build(&select))
        .all(conn)
        .await?;
    let mut baskets: HashMap<i64, Basket> = HashMap::new();
    for row in rows {
        let basket = baskets.entry(row.order_id).or_default();
        basket.customer = row.customer_id;
        basket.categories.push(row.category_id);
    }
    Ok(baskets)
}

/// Pairs held by rows of other sources, which co-purchase rows must not replace.
async fn other_sources(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<HashSet<(String, String)>, DbErr> {
    Ok(category_adjacency::Entity::find()
        .filter(category_adjacency::Column::ShopId.eq(shop_id))
        .filter(category_adjacency::Column::Source.ne(COPURCHASE))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.category_id, row.adjacent_id))
        .collect())
}

async fn insert(conn: &impl ConnectionTrait, shop_id: i64, edges: Vec<Edge>) -> Result<(), DbErr> {
    let mut rows = edges
        .into_iter()
        .map(|edge| category_adjacency::ActiveModel {
            shop_id: Set(shop_id),
            category_id: Set(edge.category_id),
            adjacent_id: Set(edge.adjacent_id),
            source: Set(COPURCHASE.to_owned()),
            weight: Set(edge.weight),
        });
    loop {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        category_adjacency::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(customer: i64, categories: &[&str]) -> Basket {
        Basket {
            customer: Some(customer),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn categories_customers_come_back_for_are_adjacent_to_themselves() {
        // Ten skincare buyers, four of them twice; ten dress buyers, one of them twice;
        // anonymous orders never count.
        let mut baskets: Vec<Basket> = (0..10)
            .map(|c| order(c, &["Skincare", "Dresses"]))
            .collect();
        baskets.extend((0..4).map(|c| order(c, &["Skincare"])));
        baskets.push(order(0, &["Dresses"]));
        baskets.extend((0..9).map(|_| Basket {
            customer: None,
            categories: vec!["Dresses".into()],
        }));

        let edges = repeat_edges(&baskets, &AdjacencyConfig::default());

        assert_eq!(edges.len(), 1, "{edges:?}");
        assert_eq!(weight(&edges, "Skincare", "Skincare"), Some(0.4));
    }

    fn repeat(basket: &[&'static str], times: usize) -> Vec<Vec<&'static str>> {
        vec![basket.to_vec(); times]
    }

    fn weight(edges: &[Edge], from: &str, to: &str) -> Option<f64> {
        edges
            .iter()
            .find(|e| e.category_id == from && e.adjacent_id == to)
            .map(|e| e.weight)
    }

    #[test]
    fn pairs_bought_together_beyond_chance_become_edges_both_ways() {
        let mut baskets = repeat(&["dresses", "shoes"], 4);
        baskets.extend(repeat(&["shirts"], 4));
        baskets.extend(repeat(&["dresses"], 2));

        let edges = copurchase_edges(baskets, &AdjacencyConfig::default());

        // n(dresses) = 6, n(shoes) = 4, together 4 of 10 orders: lift 1.67, weight 4/√24.
        let expected = 4.0 / 24.0_f64.sqrt();
        assert_eq!(edges.len(), 2, "{edges:?}");
        assert!((weight(&edges, "dresses", "shoes").unwrap() - expected).abs() < 1e-12);
        assert!((weight(&edges, "shoes", "dresses").unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn pairs_below_support_or_lift_are_dropped() {
        // Seen together in only two orders: below the support of three.
        let mut rare = repeat(&["hats", "scarves"], 2);
        rare.extend(repeat(&["shirts"], 10));
        assert!(copurchase_edges(rare, &AdjacencyConfig::default()).is_empty());

        // Everything is bought with socks: support is high but lift is 1.
        let mut everywhere = repeat(&["socks", "shoes"], 5);
        everywhere.extend(repeat(&["socks", "shirts"], 5));
        let edges = copurchase_edges(everywhere, &AdjacencyConfig::default());
        assert!(edges.is_empty(), "{edges:?}");
    }

    #[test]
    fn repeats_within_an_order_count_once_and_partners_are_capped() {
        let mut baskets = repeat(&["a", "b", "b", "b"], 3);
        baskets.extend(repeat(&["c", "d"], 3));
        baskets.extend(repeat(&["a", "c"], 3));
        baskets.extend(repeat(&["e"], 20));
        let config = AdjacencyConfig {
            max_per_category: 1,
            ..AdjacencyConfig::default()
        };

        let edges = copurchase_edges(baskets, &config);

        // "a" has partners b (3/√(6·3)) and c (3/√(6·6)); only b is kept.
        assert!(weight(&edges, "a", "b").is_some() && weight(&edges, "a", "c").is_none());
        assert!((weight(&edges, "a", "b").unwrap() - 3.0 / 18.0_f64.sqrt()).abs() < 1e-12);
        assert_eq!(edges.iter().filter(|e| e.category_id == "a").count(), 1);
    }

    #[test]
    fn no_orders_give_no_edges() {
        let none: Vec<Vec<String>> = Vec::new();
        assert!(copurchase_edges(none, &AdjacencyConfig::default()).is_empty());
    }
}
