//! What was shown and engaged with per surface: items shown, attributed clicks and
//! add-to-carts, and how the exposure spreads over the catalog.

use std::collections::{BTreeMap, HashMap};

use entity::{event, impression};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::stats::{gini, share};
use super::{ALL_SURFACES, Catalog, Metric, Span};
use crate::signals;

/// Impressions per page read when counting what was shown.
const SHOWN_PAGE: u64 = 5_000;

/// Counts of one surface on one day.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct SurfaceCounts {
    impressions: i64,
    clicks: i64,
    add_to_carts: i64,
    /// Times each product was shown.
    exposure: HashMap<i64, i64>,
}

impl SurfaceCounts {
    /// Times each product was shown.
    pub(super) fn exposure(&self) -> &HashMap<i64, i64> {
        &self.exposure
    }

    fn absorb(&mut self, other: &Self) {
        self.impressions += other.impressions;
        self.clicks += other.clicks;
        self.add_to_carts += other.add_to_carts;
        for (product, n) in &other.exposure {
            *self.exposure.entry(*product).or_default() += n;
        }
    }
}

/// The day's counts per surface, and the same over every surface under [`ALL_SURFACES`].
///
/// # Errors
/// The database error.
pub(super) async fn counts(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
) -> Result<BTreeMap<String, SurfaceCounts>, DbErr> {
    let mut out = shown(conn, shop_id, span).await?;
    let attributed: Vec<(Option<String>, String, i64)> = event::Entity::find()
        .select_only()
        .column(event::Column::Surface)
        .column(event::Column::Kind)
        .column_as(Expr::expr(Func::count(Expr::col(event::Column::Id))), "n")
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::OccurredAt.gte(span.start))
        .filter(event::Column::OccurredAt.lt(span.end))
        .filter(event::Column::ImpressionId.is_not_null())
        .group_by(event::Column::Surface)
        .group_by(event::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    for (surface, kind, n) in attributed {
        let Some(surface) = surface else { continue };
        let c = out.entry(surface).or_default();
        match kind.as_str() {
            "click" => c.clicks = n,
            "add_to_cart" => c.add_to_carts = n,
            _ => {}
        }
    }
    if !out.is_empty() {
        let mut all = SurfaceCounts::default();
        out.values().for_each(|c| all.absorb(c));
        out.insert(ALL_SURFACES.to_owned(), all);
    }
    Ok(out)
}

/// Items shown per surface and product, read a page of impressions at a time (the items are
/// JSON, which the two databases unnest differently; a day's impressions are read once a
/// night).
async fn shown(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
) -> Result<BTreeMap<String, SurfaceCounts>, DbErr> {
    let mut counts: BTreeMap<String, SurfaceCounts> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = impression::Entity::find()
            .filter(impression::Column::ShopId.eq(shop_id))
            .filter(impression::Column::OccurredAt.gte(span.start))
            .filter(impression::Column::OccurredAt.lt(span.end))
            .filter(impression::Column::Id.gt(after))
            .order_by_asc(impression::Column::Id)
            .limit(SHOWN_PAGE)
            .all(conn)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in &page {
            let c = counts.entry(row.surface.clone()).or_default();
            for item in signals::impression::items(row) {
                c.impressions += 1;
                *c.exposure.entry(item.product_id).or_default() += 1;
            }
        }
    }
    Ok(counts)
}

/// The metrics of one surface's counts.
pub(super) fn metrics(surface: &str, c: &SurfaceCounts, catalog: &Catalog) -> Vec<Metric> {
    let active = catalog.active_count();
    let exposed = i64::try_from(c.exposure.len()).unwrap_or(i64::MAX);
    // Every active product counts, shown or not; products shown since archived count too.
    let mut per_product: Vec<i64> = catalog
        .active()
        .map(|id| c.exposure.get(&id).copied().unwrap_or(0))
        .collect();
    per_product.extend(
        c.exposure
            .iter()
            .filter(|(id, _)| !catalog.is_active(**id))
            .map(|(_, n)| *n),
    );
    let m = |name, value, samples| Metric::new(surface, name, value, samples);
    vec![
        m("impressions", c.impressions as f64, c.impressions),
        m("clicks", c.clicks as f64, c.impressions),
        m("add_to_carts", c.add_to_carts as f64, c.impressions),
        m("ctr", share(c.clicks, c.impressions), c.impressions),
        m(
            "add_to_cart_rate",
            share(c.add_to_carts, c.impressions),
            c.impressions,
        ),
        m("items_exposed", exposed as f64, c.impressions),
        m("catalog_exposure", share(exposed, active), active),
        m(
            "exposure_gini",
            gini(&per_product),
            i64::try_from(per_product.len()).unwrap_or(i64::MAX),
        ),
    ]
}
