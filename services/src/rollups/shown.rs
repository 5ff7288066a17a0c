//! What was shown and engaged with per surface: items shown, attributed clicks and
//! add-to-carts, and how the exposure spreads over the catalog; for all traffic and, per
//! experiment arm, for the impressions served under it.

use std::collections::{BTreeMap, HashMap, HashSet};

use entity::{event, impression};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::stats::{gini, share};
use super::{ALL_ARMS, ALL_SURFACES, Catalog, Metric, Span};
use crate::signals;

/// A slice of the day's traffic: a surface (or [`ALL_SURFACES`]) and an arm (or
/// [`ALL_ARMS`]).
pub(super) type Slice = (String, String);

/// The rollup's name of an experiment arm: `{experiment id}:{arm}`.
#[must_use]
pub fn arm_key(experiment_id: i64, arm: &str) -> String {
    format!("{experiment_id}:{arm}")
}

/// The day's shown counts per slice, and the sessions each arm served.
#[derive(Debug, Default)]
pub(super) struct Shown {
    /// Per slice; [`ALL_SURFACES`] sums the surfaces of all traffic.
    pub counts: BTreeMap<Slice, SurfaceCounts>,
    /// Per arm key, the sessions it served that day.
    pub arm_sessions: BTreeMap<String, HashSet<String>>,
}

impl Shown {
    /// The counts of all traffic over every surface.
    pub(super) fn everything(&self) -> Option<&SurfaceCounts> {
        self.counts
            .get(&(ALL_SURFACES.to_owned(), ALL_ARMS.to_owned()))
    }
}

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

/// The day's counts per surface, the same over every surface under [`ALL_SURFACES`], and
/// per surface and arm those of impressions served under an experiment arm.
///
/// # Errors
/// The database error.
pub(super) async fn counts(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
) -> Result<Shown, DbErr> {
    let (mut out, tagged) = shown(conn, shop_id, span).await?;
    let attributed: Vec<(Option<String>, String, Option<i64>)> = event::Entity::find()
        .select_only()
        .column(event::Column::Surface)
        .column(event::Column::Kind)
        .column(event::Column::ImpressionId)
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::OccurredAt.gte(span.start))
        .filter(event::Column::OccurredAt.lt(span.end))
        .filter(event::Column::ImpressionId.is_not_null())
        .filter(event::Column::Kind.is_in(["click", "add_to_cart"]))
        .into_tuple()
        .all(conn)
        .await?;
    for (surface, kind, impression) in attributed {
        let Some(surface) = surface else { continue };
        let arm = impression.and_then(|id| tagged.get(&id));
        for arm in std::iter::once(ALL_ARMS).chain(arm.map(String::as_str)) {
            let c = out
                .counts
                .entry((surface.clone(), arm.to_owned()))
                .or_default();
            match kind.as_str() {
                "click" => c.clicks += 1,
                _ => c.add_to_carts += 1,
            }
        }
    }
    let mut all = SurfaceCounts::default();
    let mut any = false;
    for ((_, arm), c) in &out.counts {
        if arm == ALL_ARMS {
            all.absorb(c);
            any = true;
        }
    }
    if any {
        out.counts
            .insert((ALL_SURFACES.to_owned(), ALL_ARMS.to_owned()), all);
    }
    Ok(out)
}

/// Items shown per slice and product, read a page of impressions at a time (the items are
/// JSON, which the two databases unnest differently; a day's impressions are read once a
/// night); and the arm of each impression served under one.
async fn shown(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
) -> Result<(Shown, HashMap<i64, String>), DbErr> {
    let mut out = Shown::default();
    let mut tagged = HashMap::new();
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
            let arm = row
                .experiment_id
                .zip(row.arm.as_deref())
                .map(|(experiment, arm)| arm_key(experiment, arm));
            if let Some(arm) = &arm {
                tagged.insert(row.id, arm.clone());
                out.arm_sessions
                    .entry(arm.clone())
                    .or_default()
                    .insert(row.session_id.clone());
            }
            let items = signals::impression::items(row);
            for arm in std::iter::once(ALL_ARMS).chain(arm.as_deref()) {
                let c = out
                    .counts
                    .entry((row.surface.clone(), arm.to_owned()))
                    .or_default();
                for item in &items {
                    c.impressions += 1;
                    *c.exposure.entry(item.product_id).or_default() += 1;
                }
            }
        }
    }
    Ok((out, tagged))
}

/// The metrics of one slice's counts.
pub(super) fn metrics((surface, arm): &Slice, c: &SurfaceCounts, catalog: &Catalog) -> Vec<Metric> {
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
    let m = |name, value, samples| Metric::new(surface, name, value, samples).in_arm(arm);
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
