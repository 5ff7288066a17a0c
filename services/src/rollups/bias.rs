//! Bias checks: how a period's recommendation exposure spreads over brands and price bands
//! against each group's share of the active catalog and of sales. A group is **starved**
//! when it has at least [`MIN_PRODUCTS`] active products, the period has at least
//! [`MIN_IMPRESSIONS`] impressions, and its exposure share is below [`STARVED_RATIO`] times
//! its catalog share.
//!
//! Brand is the product's brand, else its vendor. Price bands are the quartiles of the active
//! products' lowest variant prices, so each band holds about a quarter of the catalog.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::{product, variant};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use super::products::{ProductTotals, totals};
use super::stats::share;

/// A group needs at least this many active products to be judged.
pub const MIN_PRODUCTS: i64 = 5;
/// The period needs at least this many impressions to judge any group.
pub const MIN_IMPRESSIONS: i64 = 100;
/// Starved below this share of its catalog share.
pub const STARVED_RATIO: f64 = 0.5;

/// What products are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Brand, else vendor.
    Brand,
    /// Quartile of the lowest variant price.
    PriceBand,
}

/// One group's shares over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupShare {
    /// What the group is of.
    pub dimension: Dimension,
    /// The brand, or the band's price range.
    pub group: String,
    /// Active products in the group.
    pub products: i64,
    /// Its share of the active products.
    pub catalog_share: f64,
    /// Items of the group shown by recommendations.
    pub impressions: i64,
    /// Its share of all items shown.
    pub exposure_share: f64,
    /// Its share of the period's product revenue.
    pub sales_share: f64,
    /// The rule above holds.
    pub starved: bool,
}

/// What the checks know of one product.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Product id.
    pub id: i64,
    /// Counted in the catalog.
    pub active: bool,
    /// Brand, else vendor (may be empty).
    pub brand: String,
    /// Lowest variant price, minor units.
    pub price_minor: Option<i64>,
}

/// The shop's groups from `from` to `to` (inclusive), brands then price bands; prices are
/// labelled in major units of a currency with `exponent` decimals.
///
/// # Errors
/// The database error.
pub async fn check(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    exponent: u32,
) -> Result<Vec<GroupShare>, DbErr> {
    let items = items(conn, shop_id).await?;
    let shown = totals(conn, shop_id, from, to).await?;
    Ok(groups(&items, &shown, exponent))
}

/// Every product of the shop with its brand and lowest price.
async fn items(conn: &impl ConnectionTrait, shop_id: i64) -> Result<Vec<Item>, DbErr> {
    let products: Vec<(i64, String, String, String)> = product::Entity::find()
        .select_only()
        .columns([
            product::Column::Id,
            product::Column::Status,
            product::Column::Brand,
            product::Column::Vendor,
        ])
        .filter(product::Column::ShopId.eq(shop_id))
        .into_tuple()
        .all(conn)
        .await?;
    let prices: HashMap<i64, i64> = variant::Entity::find()
        .select_only()
        .column(variant::Column::ProductId)
        .column_as(Expr::col(variant::Column::PriceMinor).min(), "price")
        .filter(variant::Column::ShopId.eq(shop_id))
        .group_by(variant::Column::ProductId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(products
        .into_iter()
        .map(|(id, status, brand, vendor)| Item {
            id,
            active: status == "active",
            brand: if brand.trim().is_empty() {
                vendor
            } else {
                brand
            },
            price_minor: prices.get(&id).copied(),
        })
        .collect())
}

/// The groups of `items` with their shares of `shown`.
#[must_use]
pub fn groups(
    items: &[Item],
    shown: &HashMap<i64, ProductTotals>,
    exponent: u32,
) -> Vec<GroupShare> {
    let bands = Bands::of(items);
    // Keyed by dimension, then rank (bands in price order, brands by name), then name.
    let mut tally: BTreeMap<(Dimension, usize, String), (i64, ProductTotals)> = BTreeMap::new();
    for item in items {
        let totals = shown.get(&item.id).copied().unwrap_or_default();
        let brand = if item.brand.is_empty() {
            "(no brand)".to_owned()
        } else {
            item.brand.clone()
        };
        let (rank, band) = bands.label(item.price_minor, exponent);
        for key in [
            (Dimension::Brand, 0, brand),
            (Dimension::PriceBand, rank, band),
        ] {
            let entry = tally.entry(key).or_default();
            entry.0 += i64::from(item.active);
            entry.1.impressions += totals.impressions;
            entry.1.revenue_minor += totals.revenue_minor;
        }
    }
    let active = items.iter().filter(|i| i.active).count();
    let active = i64::try_from(active).unwrap_or(i64::MAX);
    let shown_total: i64 = items
        .iter()
        .filter_map(|i| shown.get(&i.id))
        .map(|t| t.impressions)
        .sum();
    let sold_total: i64 = items
        .iter()
        .filter_map(|i| shown.get(&i.id))
        .map(|t| t.revenue_minor)
        .sum();
    tally
        .into_iter()
        .map(|((dimension, _, group), (products, t))| {
            let catalog_share = share(products, active);
            let exposure_share = share(t.impressions, shown_total);
            GroupShare {
                dimension,
                group,
                products,
                catalog_share,
                impressions: t.impressions,
                exposure_share,
                sales_share: share(t.revenue_minor, sold_total),
                starved: products >= MIN_PRODUCTS
                    && shown_total >= MIN_IMPRESSIONS
                    && exposure_share < STARVED_RATIO * catalog_share,
            }
        })
        .collect()
}

/// Quartile cut points of the active products' prices.
struct Bands {
    cuts: Vec<i64>,
}

impl Bands {
    fn of(items: &[Item]) -> Self {
        let mut prices: Vec<i64> = items
            .iter()
            .filter(|i| i.active)
            .filter_map(|i| i.price_minor)
            .collect();
        prices.sort_unstable();
        let mut cuts: Vec<i64> = (1..4)
            .filter_map(|q| prices.get(prices.len() * q / 4).copied())
            .collect();
        cuts.dedup();
        Self { cuts }
    }

    /// The band of a price, with its rank from the cheapest: `under 12.00`, `12.00–25.00`,
    /// `25.00 and over`, or `no price` last.
    fn label(&self, price: Option<i64>, exponent: u32) -> (usize, String) {
        let Some(price) = price else {
            return (usize::MAX, "no price".to_owned());
        };
        let major = |minor: i64| {
            let scale = 10_f64.powi(i32::try_from(exponent).unwrap_or(2));
            format!("{:.*}", exponent as usize, minor as f64 / scale)
        };
        let above = self.cuts.iter().filter(|c| price >= **c).count();
        let low = above.checked_sub(1).and_then(|i| self.cuts.get(i));
        let label = match (low, self.cuts.get(above)) {
            (None, Some(high)) => format!("under {}", major(*high)),
            (Some(low), Some(high)) => format!("{}–{}", major(*low), major(*high)),
            (Some(low), None) => format!("{} and over", major(*low)),
            (None, None) => "any price".to_owned(),
        };
        (above, label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, brand: &str, price: i64) -> Item {
        Item {
            id,
            active: true,
            brand: brand.into(),
            price_minor: Some(price),
        }
    }

    fn shown(impressions: i64, revenue_minor: i64) -> ProductTotals {
        ProductTotals {
            impressions,
            revenue_minor,
        }
    }

    #[test]
    fn a_brand_shown_far_below_its_catalog_share_is_starved_and_a_fair_one_is_not() {
        // Ten products of A and ten of B; A gets 190 of 200 impressions, B 10.
        let items: Vec<Item> = (1..=20)
            .map(|id| item(id, if id <= 10 { "A" } else { "B" }, id * 100))
            .collect();
        let mut seen = HashMap::new();
        seen.insert(1, shown(190, 500));
        seen.insert(11, shown(10, 1500));
        let found = groups(&items, &seen, 2);
        let brand = |name: &str| {
            found
                .iter()
                .find(|g| g.dimension == Dimension::Brand && g.group == name)
                .unwrap()
        };
        assert!(brand("B").starved, "{found:?}");
        assert!(!brand("A").starved);
        assert_eq!(brand("B").catalog_share, 0.5);
        assert_eq!(brand("B").exposure_share, 0.05);
        assert_eq!(brand("B").sales_share, 0.75);
    }

    #[test]
    fn price_bands_are_the_catalog_quartiles() {
        let items: Vec<Item> = (1..=8).map(|id| item(id, "A", id * 1000)).collect();
        let found = groups(&items, &HashMap::new(), 2);
        let bands: Vec<(&str, i64)> = found
            .iter()
            .filter(|g| g.dimension == Dimension::PriceBand)
            .map(|g| (g.group.as_str(), g.products))
            .collect();
        assert_eq!(
            bands,
            [
                ("under 30.00", 2),
                ("30.00–50.00", 2),
                ("50.00–70.00", 2),
                ("70.00 and over", 2)
            ]
        );
        // Too few impressions: nothing is judged.
        assert!(found.iter().all(|g| !g.starved));
    }
}
