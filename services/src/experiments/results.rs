//! An experiment's results: per arm, the CTR of its impressions (clicked at least once) and
//! the add-to-cart rate of its sessions (a cart add in the session after the arm was first
//! served there), each with a Wilson interval, and against the control the always-valid
//! sequential test of both; the fixed-horizon sample size the design asks for.
//!
//! The add-to-cart rate counts sessions, not impressions, so a holdout that shows nothing is
//! compared fairly: its sessions add to cart or not like any other. Revenue per session is
//! counted the same way: the orders a served session placed after the arm first served it,
//! over every session the arm served (most of them buy nothing), in minor units of the shop
//! currency, with a normal interval and the sequential test of the difference of means.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::domain::RecId;
use entity::{event, impression, order};
use ranker::stats::{Interval, Mean, Proportion, Sequential, SequentialTest, sample_size_per_arm};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use super::definition::{ArmStop, Design};
use super::store::{Experiment, Status};

/// Counts of one arm.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ArmCounts {
    /// Shoppers recorded in the arm.
    pub shoppers: u64,
    /// Impressions that showed items.
    pub impressions: u64,
    /// Of those, impressions clicked at least once.
    pub clicked: u64,
    /// Sessions served under the arm.
    pub sessions: u64,
    /// Of those, sessions with an add to cart after the arm was served.
    pub cart_sessions: u64,
    /// Revenue of those sessions' orders placed after the arm first served them, minor
    /// units; one unit per session served.
    pub revenue: Mean,
}

/// A rate with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Successes and trials.
    #[serde(flatten)]
    pub counts: Proportion,
    /// The observed rate.
    pub rate: f64,
    /// Its Wilson interval at the design's confidence.
    pub interval: Interval,
}

impl Rate {
    /// `counts` with its observed rate and Wilson interval at `confidence`.
    #[must_use]
    pub fn new(counts: Proportion, confidence: f64) -> Self {
        Self {
            counts,
            rate: counts.rate(),
            interval: counts.wilson(confidence),
        }
    }
}

/// A mean per session with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PerSession {
    /// Sessions, and the sum over them (minor units).
    #[serde(flatten)]
    pub counts: Mean,
    /// The observed mean.
    pub mean: f64,
    /// Its normal interval at the design's confidence.
    pub interval: Interval,
}

impl PerSession {
    fn new(counts: Mean, confidence: f64) -> Self {
        Self {
            counts,
            mean: counts.mean(),
            interval: counts.interval(confidence),
        }
    }
}

/// An arm against the control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// CTR difference with its always-valid interval and the decision.
    pub ctr: Sequential,
    /// Add-to-cart rate difference, likewise.
    pub add_to_cart: Sequential,
    /// Revenue per session difference (minor units), likewise.
    pub revenue_per_session: Sequential,
}

/// One arm's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmResult {
    /// Arm name.
    pub name: String,
    /// Traffic share, percent.
    pub share: u32,
    /// Whether it is the control.
    pub control: bool,
    /// Set when a guard rail stopped it.
    pub stopped: Option<ArmStop>,
    /// Shoppers recorded in it.
    pub shoppers: u64,
    /// Clicked impressions over impressions showing items.
    pub ctr: Rate,
    /// Sessions adding to cart over sessions served.
    pub add_to_cart: Rate,
    /// Revenue of the sessions served, per session (minor units).
    pub revenue_per_session: PerSession,
    /// Against the control (absent for the control itself).
    pub vs_control: Option<Comparison>,
}

/// An experiment's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// Experiment id.
    pub experiment_id: i64,
    /// Its status.
    pub status: Status,
    /// Confidence of every interval (1 − the design's alpha).
    pub confidence: f64,
    /// Impressions per arm a fixed-horizon test would need for the design's effect on CTR.
    pub sample_size_per_arm: Option<u64>,
    /// Impressions served under the experiment with the control's policy because their arm
    /// no longer validated or was stopped.
    pub fallback_impressions: u64,
    /// Per arm, the control first.
    pub arms: Vec<ArmResult>,
}

/// The sample size the design asks for (at 80 % power).
#[must_use]
pub fn sample_size(design: &Design) -> Option<u64> {
    sample_size_per_arm(design.baseline_ctr, design.min_effect, design.alpha, 0.8)
}

/// Results from counts per arm name (`None`: the fallback impressions).
#[must_use]
pub fn assemble(experiment: &Experiment, counts: &HashMap<Option<String>, ArmCounts>) -> Results {
    let design = &experiment.definition.design;
    let confidence = 1.0 - design.alpha;
    let ctr_test = SequentialTest::new(design.alpha, design.baseline_ctr * design.min_effect);
    let cart_test =
        SequentialTest::new(design.alpha, design.baseline_cart_rate * design.min_effect);
    let of = |name: &str| {
        counts
            .get(&Some(name.to_owned()))
            .copied()
            .unwrap_or_default()
    };
    let rates = |c: ArmCounts| {
        (
            Proportion::new(c.clicked, c.impressions),
            Proportion::new(c.cart_sessions, c.sessions),
            c.revenue,
        )
    };
    let control = experiment
        .definition
        .control()
        .map(|arm| rates(of(&arm.name)));
    let revenue_test = SequentialTest::new(
        design.alpha,
        design
            .baseline_revenue_per_session
            .or_else(|| control.map(|(_, _, revenue)| revenue.mean()))
            .unwrap_or(0.0)
            * design.min_effect,
    );
    let arms = experiment
        .definition
        .arms
        .iter()
        .enumerate()
        .map(|(i, arm)| {
            let c = of(&arm.name);
            let (ctr, cart, revenue) = rates(c);
            ArmResult {
                name: arm.name.clone(),
                share: arm.share,
                control: i == 0,
                stopped: arm.stopped.clone(),
                shoppers: c.shoppers,
                ctr: Rate::new(ctr, confidence),
                add_to_cart: Rate::new(cart, confidence),
                revenue_per_session: PerSession::new(revenue, confidence),
                vs_control: control
                    .filter(|_| i > 0)
                    .map(|(base_ctr, base_cart, base_revenue)| Comparison {
                        ctr: ctr_test.look(base_ctr, ctr),
                        add_to_cart: cart_test.look(base_cart, cart),
                        revenue_per_session: revenue_test.look_means(base_revenue, revenue),
                    }),
            }
        })
        .collect();
    Results {
        experiment_id: experiment.id,
        status: experiment.status,
        confidence,
        sample_size_per_arm: sample_size(design),
        fallback_impressions: counts.get(&None).map_or(0, |c| c.impressions),
        arms,
    }
}

/// The experiment's results from the database.
///
/// # Errors
/// The database's.
pub async fn results(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment: &Experiment,
) -> Result<Results, DbErr> {
    Ok(assemble(
        experiment,
        &count(conn, shop_id, experiment.id).await?,
    ))
}

/// An event of `kind` of the impression's shop matching `link` exists.
fn event_exists(kind: &str, link: SimpleExpr) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(event::Entity)
            .and_where(
                Expr::col((event::Entity, event::Column::ShopId))
                    .equals((impression::Entity, impression::Column::ShopId)),
            )
            .and_where(Expr::col((event::Entity, event::Column::Kind)).eq(kind))
            .and_where(link)
            .to_owned(),
    )
}

/// `count` of the experiment's impressions matching `only`, per arm.
async fn per_arm(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment_id: i64,
    count: SimpleExpr,
    only: Option<SimpleExpr>,
) -> Result<Vec<(Option<String>, i64)>, DbErr> {
    let mut query = impression::Entity::find()
        .select_only()
        .column(impression::Column::Arm)
        .column_as(count, "n")
        .filter(impression::Column::ShopId.eq(shop_id))
        .filter(impression::Column::ExperimentId.eq(experiment_id));
    if let Some(only) = only {
        query = query.filter(only);
    }
    query
        .group_by(impression::Column::Arm)
        .into_tuple()
        .all(conn)
        .await
}

/// A count per arm: what is counted, over which impressions, and where it goes.
type Counted = (SimpleExpr, Option<SimpleExpr>, fn(&mut ArmCounts, u64));

async fn count(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment_id: i64,
) -> Result<HashMap<Option<String>, ArmCounts>, DbErr> {
    let ids = || Func::count(Expr::col((impression::Entity, impression::Column::Id))).into();
    let sessions =
        || Expr::col((impression::Entity, impression::Column::SessionId)).count_distinct();
    let shown = || impression::Column::ItemCount.gt(0);
    // A served answer's rec id is its key in decimal; an older one's is its stored text.
    let rec_id = Func::coalesce([
        Expr::col((impression::Entity, impression::Column::RecText)),
        Expr::col((impression::Entity, impression::Column::Id)).cast_as("TEXT"),
    ]);
    let clicked = event_exists(
        "click",
        Expr::col((event::Entity, event::Column::RecId)).eq(rec_id),
    );
    let mut out: HashMap<Option<String>, ArmCounts> = HashMap::new();
    let columns: [Counted; 3] = [
        (ids(), Some(shown()), |c, n| c.impressions = n),
        (ids(), Some(shown().and(clicked)), |c, n| c.clicked = n),
        (sessions(), None, |c, n| c.sessions = n),
    ];
    for (expr, only, set) in columns {
        for (arm, n) in per_arm(conn, shop_id, experiment_id, expr, only).await? {
            set(out.entry(arm).or_default(), u64::try_from(n).unwrap_or(0));
        }
    }
    for (arm, n) in super::assignment::counts(conn, shop_id, experiment_id).await? {
        out.entry(Some(arm)).or_default().shoppers = u64::try_from(n).unwrap_or(0);
    }
    let served = first_served(conn, shop_id, experiment_id).await?;
    for (arm, n) in cart_sessions(conn, shop_id, &served).await? {
        out.entry(arm).or_default().cart_sessions = n;
    }
    for (arm, amounts) in session_revenue(conn, shop_id, &served).await? {
        let c = out.entry(arm).or_default();
        c.revenue = Mean::of(amounts).with_zeros_up_to(c.sessions);
    }
    Ok(out)
}

/// Each session the experiment served, with the arm and when it first served it.
type FirstServed = Vec<(Option<String>, String, DateTime<Utc>)>;

/// The experiment's sessions, per arm, with the first time the arm served each.
async fn first_served(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    experiment_id: i64,
) -> Result<FirstServed, DbErr> {
    use impression::Column as I;
    let rows: Vec<(Option<String>, String, i64)> = impression::Entity::find()
        .select_only()
        .column(I::Arm)
        .column(I::SessionId)
        .column_as(Expr::col(I::Id).min(), "first")
        .filter(I::ShopId.eq(shop_id))
        .filter(I::ExperimentId.eq(experiment_id))
        .group_by(I::Arm)
        .group_by(I::SessionId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(arm, session, first)| {
            Some((arm, session, RecId::from_key(first)?.served_at()))
        })
        .collect())
}

/// Per arm, the served sessions that added to cart after the arm first served them. Joined
/// here rather than in SQL: the time of an answer is in its key, which the two databases
/// cannot compare with a stored time alike.
async fn cart_sessions(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    served: &FirstServed,
) -> Result<HashMap<Option<String>, u64>, DbErr> {
    let Some(since) = served.iter().map(|(_, _, at)| *at).min() else {
        return Ok(HashMap::new());
    };
    let carts: Vec<(String, DateTime<Utc>)> = event::Entity::find()
        .select_only()
        .column(event::Column::SessionId)
        .column_as(Expr::col(event::Column::OccurredAt).max(), "last")
        .filter(event::Column::ShopId.eq(shop_id))
        .filter(event::Column::Kind.eq("add_to_cart"))
        .filter(event::Column::OccurredAt.gte(since))
        .group_by(event::Column::SessionId)
        .into_tuple()
        .all(conn)
        .await?;
    let last_cart: HashMap<&str, DateTime<Utc>> = carts
        .iter()
        .map(|(session, at)| (session.as_str(), *at))
        .collect();
    let mut out: HashMap<Option<String>, u64> = HashMap::new();
    for (arm, session, first) in served {
        if last_cart
            .get(session.as_str())
            .is_some_and(|last| last >= first)
        {
            *out.entry(arm.clone()).or_default() += 1;
        }
    }
    Ok(out)
}

/// Per arm, the revenue (minor units) of each served session that ordered after the arm
/// first served it. Two reads joined here rather than in SQL: the sessions an experiment
/// served, and the shop's orders with a session since the first of them.
#[expect(clippy::cast_precision_loss, reason = "minor-unit sums far below 2^52")]
async fn session_revenue(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    served: &FirstServed,
) -> Result<HashMap<Option<String>, Vec<f64>>, DbErr> {
    let Some(since) = served.iter().map(|(_, _, at)| *at).min() else {
        return Ok(HashMap::new());
    };
    let first_served: HashMap<&str, (&Option<String>, DateTime<Utc>)> = served
        .iter()
        .map(|(arm, session, at)| (session.as_str(), (arm, *at)))
        .collect();
    let orders: Vec<(String, DateTime<Utc>, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::SessionId)
        .column(order::Column::PlacedAt)
        .column(order::Column::TotalMinor)
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::SessionId.is_not_null())
        .filter(order::Column::PlacedAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    let mut per_session: HashMap<&str, (&Option<String>, i64)> = HashMap::new();
    for (session, placed_at, total) in &orders {
        let Some((arm, first)) = first_served.get(session.as_str()) else {
            continue;
        };
        if placed_at >= first {
            per_session.entry(session.as_str()).or_insert((arm, 0)).1 += total;
        }
    }
    let mut out: HashMap<Option<String>, Vec<f64>> = HashMap::new();
    for (arm, total) in per_session.into_values() {
        out.entry(arm.clone()).or_default().push(total as f64);
    }
    Ok(out)
}
