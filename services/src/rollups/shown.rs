//! What was shown and engaged with per surface: items shown, attributed clicks and
//! add-to-carts, and how the exposure spreads over the catalog; for all traffic, per module
//! of each surface, and per experiment arm for the impressions served under it.

use std::collections::{BTreeMap, HashMap, HashSet};

use entity::{event, impression};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::stats::{gini, share};
use super::{ALL_ARMS, ALL_MODULES, ALL_SURFACES, Catalog, Metric, Span};
use crate::signals;

/// A slice of the day's traffic: a surface (or [`ALL_SURFACES`]), one of its modules (or
/// [`ALL_MODULES`]) and an arm (or [`ALL_ARMS`]). Modules are split for all traffic only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Slice {
    surface: String,
    module: String,
    arm: String,
}

impl Slice {
    fn new(surface: &str, module: &str, arm: &str) -> Self {
        Self {
            surface: surface.to_owned(),
            module: module.to_owned(),
            arm: arm.to_owned(),
        }
    }

    /// The slices an item of `module` shown on `surface` under `arm` counts in: the
    /// surface's for all traffic, its module's, and the surface's for the arm.
    fn of_item<'a>(
        surface: &'a str,
        module: Option<&'a str>,
        arm: Option<&'a str>,
    ) -> impl Iterator<Item = Self> + 'a {
        let all = Some(Self::new(surface, ALL_MODULES, ALL_ARMS));
        let module = module.map(|m| Self::new(surface, m, ALL_ARMS));
        let arm = arm.map(|a| Self::new(surface, ALL_MODULES, a));
        [all, module, arm].into_iter().flatten()
    }
}

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
            .get(&Slice::new(ALL_SURFACES, ALL_MODULES, ALL_ARMS))
    }
}

/// Impressions per page read when counting what was shown.
const SHOWN_PAGE: u64 = 5_000;

/// Counts of one slice on one day.
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

    fn engaged(&mut self, kind: &str) {
        match kind {
            "click" => self.clicks += 1,
            _ => self.add_to_carts += 1,
        }
    }
}

/// A click or add to cart attributed to an impression: its surface, kind and position.
struct Engagement {
    surface: String,
    kind: String,
    position: Option<i32>,
}

/// The day's counts per slice, with the surfaces of all traffic summed under
/// [`ALL_SURFACES`].
///
/// # Errors
/// The database error.
pub(super) async fn counts(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
) -> Result<Shown, DbErr> {
    let engaged = engagements(conn, shop_id, span).await?;
    let mut out = shown(conn, shop_id, span, &engaged).await?;
    let mut all = SurfaceCounts::default();
    let mut any = false;
    for (slice, c) in &out.counts {
        if slice.module == ALL_MODULES && slice.arm == ALL_ARMS {
            all.absorb(c);
            any = true;
        }
    }
    if any {
        out.counts
            .insert(Slice::new(ALL_SURFACES, ALL_MODULES, ALL_ARMS), all);
    }
    Ok(out)
}

/// The day's attributed clicks and add-to-carts, by the impression they point at.
async fn engagements(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
) -> Result<HashMap<i64, Vec<Engagement>>, DbErr> {
    /// Surface, kind, impression and position.
    type Row = (Option<String>, String, Option<i64>, Option<i32>);
    let rows: Vec<Row> = event::Entity::find()
        .select_only()
        .column(event::Column::Surface)
        .column(event::Column::Kind)
        .column(event::Column::ImpressionId)
        .column(event::Column::Position)
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::OccurredAt.gte(span.start))
        .filter(event::Column::OccurredAt.lt(span.end))
        .filter(event::Column::ImpressionId.is_not_null())
        .filter(event::Column::Kind.is_in(["click", "add_to_cart"]))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<i64, Vec<Engagement>> = HashMap::new();
    for (surface, kind, impression, position) in rows {
        let (Some(surface), Some(impression)) = (surface, impression) else {
            continue;
        };
        out.entry(impression).or_default().push(Engagement {
            surface,
            kind,
            position,
        });
    }
    Ok(out)
}

/// Items shown and engagements per slice and product, read a page of impressions at a time
/// (the items are JSON, which the two databases unnest differently; a day's impressions are
/// read once a night). An engagement counts in the module of the item at its position when
/// its impression is of the same day (one of an earlier day counts for the surface only).
async fn shown(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
    engaged: &HashMap<i64, Vec<Engagement>>,
) -> Result<Shown, DbErr> {
    let mut out = Shown::default();
    let mut seen: HashSet<i64> = HashSet::new();
    let mut after = 0;
    loop {
        let page = impression::Entity::find()
            .filter(impression::Column::ShopId.eq(shop_id))
            .filter(impression::served_from(span.start))
            .filter(impression::served_before(span.end))
            .filter(impression::Column::Id.gt(after))
            .order_by_asc(impression::Column::Id)
            .limit(SHOWN_PAGE)
            .all(conn)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let answers = signals::impression::answers(conn, &page).await?;
        for (row, answer) in page.iter().zip(answers) {
            let arm = row
                .experiment_id
                .zip(row.arm.as_deref())
                .map(|(experiment, arm)| arm_key(experiment, arm));
            if let Some(arm) = &arm {
                out.arm_sessions
                    .entry(arm.clone())
                    .or_default()
                    .insert(row.session_id.clone());
            }
            let (items, surface) = (answer.items, answer.context.surface);
            for item in &items {
                for slice in Slice::of_item(&surface, Some(&item.module), arm.as_deref()) {
                    let c = out.counts.entry(slice).or_default();
                    c.impressions += 1;
                    *c.exposure.entry(item.product_id).or_default() += 1;
                }
            }
            for e in engaged.get(&row.id).into_iter().flatten() {
                let module = items
                    .iter()
                    .find(|item| Some(item.position) == e.position)
                    .map(|item| item.module.as_str());
                for slice in Slice::of_item(&e.surface, module, arm.as_deref()) {
                    out.counts.entry(slice).or_default().engaged(&e.kind);
                }
            }
            seen.insert(row.id);
        }
    }
    // Engagements with an earlier day's impressions count for their surface.
    let earlier = engaged
        .iter()
        .filter(|(id, _)| !seen.contains(*id))
        .flat_map(|(_, list)| list);
    for e in earlier {
        for slice in Slice::of_item(&e.surface, None, None) {
            out.counts.entry(slice).or_default().engaged(&e.kind);
        }
    }
    Ok(out)
}

/// The metrics of one slice's counts.
pub(super) fn metrics(slice: &Slice, c: &SurfaceCounts, catalog: &Catalog) -> Vec<Metric> {
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
    let m = |name, value, samples| {
        Metric::new(&slice.surface, name, value, samples)
            .in_module(&slice.module)
            .in_arm(&slice.arm)
    };
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
