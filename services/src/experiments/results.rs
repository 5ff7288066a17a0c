//! An experiment's results: per arm, the CTR of its impressions (clicked at least once) and
//! the add-to-cart rate of its sessions (a cart add in the session after the arm was first
//! served there), each with a Wilson interval, and against the control the always-valid
//! sequential test of both; the fixed-horizon sample size the design asks for.
//!
//! The add-to-cart rate counts sessions, not impressions, so a holdout that shows nothing is
//! compared fairly: its sessions add to cart or not like any other.

use std::collections::HashMap;

use entity::{event, impression};
use ranker::stats::{Interval, Proportion, Sequential, SequentialTest, sample_size_per_arm};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use super::definition::{ArmStop, Design};
use super::store::{Experiment, Status};

/// Counts of one arm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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

/// An arm against the control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// CTR difference with its always-valid interval and the decision.
    pub ctr: Sequential,
    /// Add-to-cart rate difference, likewise.
    pub add_to_cart: Sequential,
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
        )
    };
    let control = experiment
        .definition
        .control()
        .map(|arm| rates(of(&arm.name)));
    let arms = experiment
        .definition
        .arms
        .iter()
        .enumerate()
        .map(|(i, arm)| {
            let c = of(&arm.name);
            let (ctr, cart) = rates(c);
            ArmResult {
                name: arm.name.clone(),
                share: arm.share,
                control: i == 0,
                stopped: arm.stopped.clone(),
                shoppers: c.shoppers,
                ctr: Rate::new(ctr, confidence),
                add_to_cart: Rate::new(cart, confidence),
                vs_control: control
                    .filter(|_| i > 0)
                    .map(|(base_ctr, base_cart)| Comparison {
                        ctr: ctr_test.look(base_ctr, ctr),
                        add_to_cart: cart_test.look(base_cart, cart),
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
    let clicked = event_exists(
        "click",
        Expr::col((event::Entity, event::Column::RecId))
            .equals((impression::Entity, impression::Column::RecId)),
    );
    let carted = event_exists(
        "add_to_cart",
        Expr::col((event::Entity, event::Column::SessionId))
            .equals((impression::Entity, impression::Column::SessionId))
            .and(
                Expr::col((event::Entity, event::Column::OccurredAt)).gte(Expr::col((
                    impression::Entity,
                    impression::Column::OccurredAt,
                ))),
            ),
    );
    let mut out: HashMap<Option<String>, ArmCounts> = HashMap::new();
    let columns: [Counted; 4] = [
        (ids(), Some(shown()), |c, n| c.impressions = n),
        (ids(), Some(shown().and(clicked)), |c, n| c.clicked = n),
        (sessions(), None, |c, n| c.sessions = n),
        (sessions(), Some(carted), |c, n| c.cart_sessions = n),
    ];
    for (expr, only, set) in columns {
        for (arm, n) in per_arm(conn, shop_id, experiment_id, expr, only).await? {
            set(out.entry(arm).or_default(), u64::try_from(n).unwrap_or(0));
        }
    }
    for (arm, n) in super::assignment::counts(conn, shop_id, experiment_id).await? {
        out.entry(Some(arm)).or_default().shoppers = u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}
