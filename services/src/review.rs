//! The weekly review: the last complete week (Monday to Sunday, UTC) against the one before,
//! in plain sentences a merchant reads in a minute — the exploration settings in force per
//! surface and what changed that week, key metrics with their change, experiments started,
//! stopped or stopped by a guard rail, and starved brands and price bands.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use entity::shop_setting;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::experiments::{self, Experiment};
use crate::rollups::bias::{self, Dimension, GroupShare};
use crate::rollups::{self, ALL_SURFACES, Totals};
use crate::settings::{self, ExplorationSettings, SurfaceSettings};

/// A week, Monday to Sunday inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Week {
    /// Monday.
    pub from: NaiveDate,
    /// Sunday.
    pub to: NaiveDate,
}

impl Week {
    /// The last week that ended before `today`, and the one before it.
    #[must_use]
    pub fn last_complete(today: NaiveDate) -> (Self, Self) {
        let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
        let week = |start: NaiveDate| Self {
            from: start,
            to: start + Days::new(6),
        };
        (week(monday - Days::new(7)), week(monday - Days::new(14)))
    }

    fn contains(&self, at: DateTime<Utc>) -> bool {
        (self.from..=self.to).contains(&at.date_naive())
    }
}

/// How a metric is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A count.
    Count,
    /// A share in `[0, 1]`: changes are in points.
    Rate,
    /// Minor units of the shop currency.
    Money,
}

/// One key metric in both weeks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricDelta {
    /// The rollup metric (storefront-wide).
    pub metric: &'static str,
    /// What a merchant calls it.
    pub label: &'static str,
    /// How to read it.
    pub kind: Kind,
    /// The last complete week (`None`: no data).
    pub week: Option<f64>,
    /// The week before.
    pub previous: Option<f64>,
}

/// The key metrics, storefront-wide.
const KEY_METRICS: [(&str, &str, Kind); 7] = [
    ("sessions", "Sessions", Kind::Count),
    ("ctr", "Click-through rate on recommendations", Kind::Rate),
    (
        "discovery_rate",
        "Sessions discovering something new",
        Kind::Rate,
    ),
    (
        "catalog_exposure",
        "Catalog shown by recommendations",
        Kind::Rate,
    ),
    ("revenue", "Revenue", Kind::Money),
    (
        "assisted_revenue",
        "Revenue assisted by recommendations",
        Kind::Money,
    ),
    ("repeat_visit_7d", "Shoppers back within 7 days", Kind::Rate),
];

/// One surface's exploration in force and its changes in the week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurfaceExploration {
    /// Surface name.
    pub surface: &'static str,
    /// The settings version in force now (0: defaults).
    pub version: i64,
    /// Exploration in force now.
    pub now: ExplorationSettings,
    /// Saves of the surface's settings during the week.
    pub saves: usize,
    /// Exploration at the start of the week, when a save that week changed it.
    pub changed_from: Option<ExplorationSettings>,
}

/// The review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyReview {
    /// The last complete week.
    pub week: Week,
    /// The week before it.
    pub previous: Week,
    /// Exploration per tuned surface.
    pub exploration: Vec<SurfaceExploration>,
    /// Key metrics.
    pub metrics: Vec<MetricDelta>,
    /// Experiment events of the week, one sentence each.
    pub experiments: Vec<String>,
    /// Brands and price bands starved during the week.
    pub starved: Vec<GroupShare>,
    /// The whole review in sentences.
    pub sentences: Vec<String>,
}

/// The shop's review as of `today` (UTC), money in a currency of `currency`.
///
/// # Errors
/// The database error.
pub async fn weekly(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    today: NaiveDate,
    currency: &str,
) -> Result<WeeklyReview, DbErr> {
    let (week, previous) = Week::last_complete(today);
    let this = Totals::of(&rollups::read(conn, shop_id, week.from, week.to).await?);
    let before = Totals::of(&rollups::read(conn, shop_id, previous.from, previous.to).await?);
    let metrics = KEY_METRICS
        .iter()
        .map(|&(metric, label, kind)| MetricDelta {
            metric,
            label,
            kind,
            week: this.value(ALL_SURFACES, metric),
            previous: before.value(ALL_SURFACES, metric),
        })
        .collect();
    let exponent = entity::domain::currency_exponent(currency);
    let starved = bias::check(conn, shop_id, week.from, week.to, exponent)
        .await?
        .into_iter()
        .filter(|g| g.starved)
        .collect();
    let mut review = WeeklyReview {
        week,
        previous,
        exploration: exploration(conn, shop_id, week).await?,
        metrics,
        experiments: experiments::store::list(conn, shop_id)
            .await?
            .iter()
            .flat_map(|e| experiment_events(e, week))
            .collect(),
        starved,
        sentences: Vec::new(),
    };
    review.sentences = sentences(&review, currency, entity::domain::minor_per_major(currency));
    Ok(review)
}

/// Exploration per tuned surface: in force now, and at the start of the week when a save
/// during the week changed it.
async fn exploration(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    week: Week,
) -> Result<Vec<SurfaceExploration>, DbErr> {
    let mut out = Vec::new();
    for current in settings::store::current(conn, shop_id).await? {
        let rows = shop_setting::Entity::find()
            .filter(shop_setting::Column::ShopId.eq(shop_id))
            .filter(shop_setting::Column::Surface.eq(current.surface))
            .order_by_asc(shop_setting::Column::Version)
            .all(conn)
            .await?;
        let explored = |row: &shop_setting::Model| {
            serde_json::from_value::<SurfaceSettings>(row.settings.clone())
                .ok()
                .map(|s| s.exploration)
        };
        let saves: Vec<&shop_setting::Model> = rows
            .iter()
            .filter(|r| week.contains(r.created_at))
            .collect();
        let start = rows
            .iter()
            .filter(|r| r.created_at.date_naive() < week.from)
            .filter_map(explored)
            .next_back()
            .unwrap_or(current.defaults.exploration);
        let end = saves
            .iter()
            .filter_map(|r| explored(r))
            .next_back()
            .unwrap_or(start);
        out.push(SurfaceExploration {
            surface: current.surface,
            version: current.in_force,
            now: current.settings.exploration,
            saves: saves.len(),
            changed_from: (end != start).then_some(start),
        });
    }
    Ok(out)
}

/// What happened to `e` during `week`, one sentence per event.
fn experiment_events(e: &Experiment, week: Week) -> Vec<String> {
    let name = &e.definition.name;
    let mut out = Vec::new();
    if let Some(at) = e.started_at.filter(|at| week.contains(*at)) {
        out.push(format!(
            "Experiment \"{name}\" started on {}.",
            at.date_naive()
        ));
    }
    for arm in &e.definition.arms {
        if let Some(stop) = arm.stopped.as_ref().filter(|s| week.contains(s.at)) {
            out.push(format!(
                "Arm \"{}\" of experiment \"{name}\" was stopped on {} ({}).",
                arm.name,
                stop.at.date_naive(),
                stop.reason
            ));
        }
    }
    if let Some(at) = e.ended_at.filter(|at| week.contains(*at)) {
        let why = e
            .stop_reason
            .as_deref()
            .unwrap_or("stopped by the merchant");
        out.push(format!(
            "Experiment \"{name}\" stopped on {} ({why}).",
            at.date_naive()
        ));
    }
    out
}

/// `on, up to 10 % of items` or `off`.
fn describe(e: ExplorationSettings) -> String {
    if e.enabled {
        format!("on, up to {:.0} % of items", f64::from(e.share) * 100.0)
    } else {
        "off".to_owned()
    }
}

/// The review's sentences, in reading order.
fn sentences(r: &WeeklyReview, currency: &str, major: f64) -> Vec<String> {
    let mut out = vec![format!(
        "Week of {} to {}, compared with {} to {}.",
        r.week.from, r.week.to, r.previous.from, r.previous.to
    )];
    for s in &r.exploration {
        let name = s.surface;
        out.push(match (s.saves, s.changed_from) {
            (0, _) => format!("Exploration on {name}: {} (unchanged).", describe(s.now)),
            (n, Some(from)) => format!(
                "Exploration on {name}: {}; changed this week from {} ({n} save{}).",
                describe(s.now),
                describe(from),
                if n == 1 { "" } else { "s" }
            ),
            (n, None) => format!(
                "Exploration on {name}: {}; settings saved {n} time{} this week, exploration \
                 unchanged.",
                describe(s.now),
                if n == 1 { "" } else { "s" }
            ),
        });
    }
    out.extend(
        r.metrics
            .iter()
            .map(|m| metric_sentence(m, currency, major)),
    );
    if r.experiments.is_empty() {
        out.push("No experiment started or stopped this week.".to_owned());
    }
    out.extend(r.experiments.iter().cloned());
    if r.starved.is_empty() {
        out.push("No brand or price band was starved of exposure.".to_owned());
    }
    out.extend(r.starved.iter().map(|g| {
        let what = match g.dimension {
            Dimension::Brand => "Brand",
            Dimension::PriceBand => "Price band",
        };
        format!(
            "{what} \"{}\" was starved: {:.1} % of the items shown against {:.1} % of the \
             catalog ({} products).",
            g.group,
            g.exposure_share * 100.0,
            g.catalog_share * 100.0,
            g.products
        )
    }));
    out
}

/// `Sessions: 120 (up 20.0 % from 100).`, rates in points.
fn metric_sentence(m: &MetricDelta, currency: &str, major: f64) -> String {
    let show = |v: f64| match m.kind {
        Kind::Count => format!("{v:.0}"),
        Kind::Rate => format!("{:.1} %", v * 100.0),
        Kind::Money => format!("{:.2} {currency}", v / major),
    };
    let Some(week) = m.week else {
        return format!("{}: no data this week.", m.label);
    };
    let change = match (m.previous, m.kind) {
        (None, _) => "no data the week before".to_owned(),
        (Some(p), Kind::Rate) => {
            let points = (week - p) * 100.0;
            format!(
                "{} {:.1} points from {}",
                direction(points),
                points.abs(),
                show(p)
            )
        }
        (Some(p), _) if p == 0.0 => format!("from {}", show(p)),
        (Some(p), _) => {
            let pct = (week - p) / p * 100.0;
            format!("{} {:.1} % from {}", direction(pct), pct.abs(), show(p))
        }
    };
    format!("{}: {} ({change}).", m.label, show(week))
}

fn direction(change: f64) -> &'static str {
    if change > 0.0 {
        "up"
    } else if change < 0.0 {
        "down"
    } else {
        "unchanged,"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_complete_week_runs_monday_to_sunday_before_this_one() {
        // 2026-12-02 is a Wednesday.
        let (week, previous) = Week::last_complete("2026-12-02".parse().unwrap());
        assert_eq!(week.from.to_string(), "2026-11-23");
        assert_eq!(week.to.to_string(), "2026-11-29");
        assert_eq!(previous.from.to_string(), "2026-11-16");
        // On a Monday the week just ended is the last complete one.
        let (week, _) = Week::last_complete("2026-11-30".parse().unwrap());
        assert_eq!(week.from.to_string(), "2026-11-23");
    }

    #[test]
    fn metric_sentences_give_the_change() {
        let m = |kind, week, previous| MetricDelta {
            metric: "x",
            label: "X",
            kind,
            week,
            previous,
        };
        assert_eq!(
            metric_sentence(&m(Kind::Count, Some(120.0), Some(100.0)), "EUR", 100.0),
            "X: 120 (up 20.0 % from 100)."
        );
        assert_eq!(
            metric_sentence(&m(Kind::Rate, Some(0.02), Some(0.03)), "EUR", 100.0),
            "X: 2.0 % (down 1.0 points from 3.0 %)."
        );
        assert_eq!(
            metric_sentence(&m(Kind::Money, Some(1050.0), None), "EUR", 100.0),
            "X: 10.50 EUR (no data the week before)."
        );
        assert_eq!(
            metric_sentence(&m(Kind::Rate, None, Some(0.1)), "EUR", 100.0),
            "X: no data this week."
        );
    }
}
