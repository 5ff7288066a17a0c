//! The email holdout compared, for the merchant: per arm, the profiles in it, their email
//! clicks and their customers' orders and revenue since they entered the arm, as rates per
//! profile, with intervals for treatment minus holdout.
//!
//! - **Who is in an arm**: every push state whose content Klaviyo took at least once. The arm
//!   lives on the push state alone (email impressions keep none): in `no_block` mode the
//!   holdout shows nothing, so its push state is its only trace and the denominator.
//! - **Intent to treat**: every order of a profile's customer since its assignment counts,
//!   opened email or not. That is what makes the arms comparable: the holdout is what the
//!   same kind of profiles do without the diversified block. Orders within the
//!   assisted-revenue window after an email click are counted besides, as the mechanism.
//! - **Clicks**: `click` events on surface `email` attributed to an email impression of the
//!   profile (its pushed or fetched list), since its assignment.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::domain::minor_per_major;
use entity::{email_push_state, event, impression, order};
use ranker::stats::{Interval, Mean, MeanDifference, Proportion, Sequential, SequentialTest};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use serde::Serialize;

use super::holdout::Arm;
use super::settings::{EmailSettings, HoldoutMode};
use crate::experiments::results::Rate;
use crate::surface::{self, Surface};

/// Confidence of every interval.
pub const CONFIDENCE: f64 = 0.95;
/// Spread of the sequential test's mixture over a rate difference: an email block moves the
/// share of profiles who click or order by about a point, where the test is most sensitive.
/// Fixed before any data, as the test requires.
const RATE_EFFECT: f64 = 0.01;

/// One arm's outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmOutcome {
    /// `treatment` or `holdout`.
    pub arm: &'static str,
    /// Profiles in the arm.
    pub profiles: u64,
    /// Email clicks of those profiles.
    pub clicks: u64,
    /// Profiles with at least one email click, over profiles.
    pub clicked: Rate,
    /// Profiles whose customer ordered, over profiles.
    pub ordered: Rate,
    /// Orders of those customers.
    pub orders: u64,
    /// Of those, orders within the assisted-revenue window after an email click.
    pub assisted_orders: u64,
    /// Their revenue, in the shop currency's major unit.
    pub revenue: f64,
    /// Revenue per profile, major units.
    pub revenue_per_profile: f64,
}

/// Treatment minus holdout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// Share of profiles clicking: the always-valid sequential test (may be looked at daily).
    pub clicked: Sequential,
    /// Share of profiles ordering, likewise.
    pub ordered: Sequential,
    /// Revenue per profile (major units) with its normal interval; `None` below two
    /// profiles in an arm.
    pub revenue_per_profile: Option<MeanDifference>,
}

/// The comparison of the two arms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldoutComparison {
    /// The holdout share in force.
    pub holdout_share: f64,
    /// What the holdout receives.
    pub holdout_mode: HoldoutMode,
    /// Confidence of the intervals.
    pub confidence: f64,
    /// Currency of the revenue.
    pub currency: String,
    /// The window after an email click in which an order counts as assisted, days.
    pub assisted_window_days: i64,
    /// The treatment arm.
    pub treatment: ArmOutcome,
    /// The holdout arm.
    pub holdout: ArmOutcome,
    /// Treatment minus holdout.
    pub difference: Difference,
}

/// One line of the comparison as the merchant reads it (the admin's table and its CSV).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonRow {
    /// What is compared.
    pub metric: &'static str,
    /// The treatment's value.
    pub treatment: f64,
    /// The holdout's value.
    pub holdout: f64,
    /// Treatment minus holdout, for the per-profile rates.
    pub difference: Option<f64>,
    /// Lower bound of the difference's interval.
    pub difference_low: Option<f64>,
    /// Upper bound of the difference's interval.
    pub difference_high: Option<f64>,
}

impl HoldoutComparison {
    /// The comparison line by line: counts, then rates per profile with the interval of
    /// their difference.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    pub fn rows(&self) -> Vec<ComparisonRow> {
        let (t, h, d) = (&self.treatment, &self.holdout, &self.difference);
        let count = |metric, of: fn(&ArmOutcome) -> u64| ComparisonRow {
            metric,
            treatment: of(t) as f64,
            holdout: of(h) as f64,
            difference: None,
            difference_low: None,
            difference_high: None,
        };
        let compared =
            |metric, treatment, holdout, difference: Option<(f64, Interval)>| ComparisonRow {
                metric,
                treatment,
                holdout,
                difference: difference.map(|(d, _)| d),
                difference_low: difference.map(|(_, i)| i.low),
                difference_high: difference.map(|(_, i)| i.high),
            };
        let sequential = |s: &Sequential| Some((s.difference, s.interval));
        vec![
            count("profiles", |a| a.profiles),
            count("email_clicks", |a| a.clicks),
            count("orders", |a| a.orders),
            count("email_assisted_orders", |a| a.assisted_orders),
            compared("revenue", t.revenue, h.revenue, None),
            compared(
                "click_rate_per_profile",
                t.clicked.rate,
                h.clicked.rate,
                sequential(&d.clicked),
            ),
            compared(
                "order_rate_per_profile",
                t.ordered.rate,
                h.ordered.rate,
                sequential(&d.ordered),
            ),
            compared(
                "revenue_per_profile",
                t.revenue_per_profile,
                h.revenue_per_profile,
                d.revenue_per_profile.map(|m| (m.difference, m.interval)),
            ),
        ]
    }
}

/// A profile of the comparison: its customer, arm and assignment.
#[derive(Debug, Clone)]
struct Member {
    customer_id: i64,
    arm: Arm,
    since: DateTime<Utc>,
}

/// What one profile did since its assignment.
#[derive(Debug, Default)]
struct Tally {
    clicks: u64,
    orders: u64,
    assisted_orders: u64,
    revenue_minor: i64,
}

/// The comparison for `shop_id` under `settings`, revenue in `currency`, orders within
/// `assisted_window` after an email click counted as assisted.
///
/// # Errors
/// The database error.
pub async fn compare(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    settings: &EmailSettings,
    currency: &str,
    assisted_window: Duration,
) -> Result<HoldoutComparison, DbErr> {
    let members = members(conn, shop_id).await?;
    let since = members
        .values()
        .map(|m| m.since)
        .min()
        .unwrap_or_else(Utc::now);
    let clicks = clicks(conn, shop_id, since).await?;
    let orders = orders(conn, shop_id, since).await?;
    let tallies = tally(&members, &clicks, &orders, assisted_window);
    let major = minor_per_major(currency);
    let (treatment, treatment_revenue) = outcome(Arm::Treatment, &members, &tallies, major);
    let (holdout, holdout_revenue) = outcome(Arm::Holdout, &members, &tallies, major);
    let test = SequentialTest::new(1.0 - CONFIDENCE, RATE_EFFECT);
    let difference = Difference {
        clicked: test.look(holdout.clicked.counts, treatment.clicked.counts),
        ordered: test.look(holdout.ordered.counts, treatment.ordered.counts),
        revenue_per_profile: treatment_revenue.minus(&holdout_revenue, CONFIDENCE),
    };
    Ok(HoldoutComparison {
        holdout_share: settings.holdout_share,
        holdout_mode: settings.holdout_mode,
        confidence: CONFIDENCE,
        currency: currency.to_owned(),
        assisted_window_days: assisted_window.num_days(),
        treatment,
        holdout,
        difference,
    })
}

/// `arm`'s outcome and its revenue per profile as a sample (major units).
fn outcome(
    arm: Arm,
    members: &HashMap<String, Member>,
    tallies: &HashMap<&str, Tally>,
    major: f64,
) -> (ArmOutcome, Mean) {
    let empty = Tally::default();
    let of_arm: Vec<&Tally> = members
        .iter()
        .filter(|(_, m)| m.arm == arm)
        .map(|(key, _)| tallies.get(key.as_str()).unwrap_or(&empty))
        .collect();
    let profiles = of_arm.len() as u64;
    let count = |keep: fn(&Tally) -> bool| of_arm.iter().filter(|t| keep(t)).count() as u64;
    let sum = |field: fn(&Tally) -> u64| of_arm.iter().map(|t| field(t)).sum::<u64>();
    let revenue_minor: i64 = of_arm.iter().map(|t| t.revenue_minor).sum();
    #[expect(clippy::cast_precision_loss, reason = "amounts far below 2^52")]
    let revenue = Mean::of(of_arm.iter().map(|t| t.revenue_minor as f64 / major));
    #[expect(clippy::cast_precision_loss, reason = "amounts far below 2^52")]
    let total = revenue_minor as f64 / major;
    let outcome = ArmOutcome {
        arm: arm.name(),
        profiles,
        clicks: sum(|t| t.clicks),
        clicked: Rate::new(
            Proportion::new(count(|t| t.clicks > 0), profiles),
            CONFIDENCE,
        ),
        ordered: Rate::new(
            Proportion::new(count(|t| t.orders > 0), profiles),
            CONFIDENCE,
        ),
        orders: sum(|t| t.orders),
        assisted_orders: sum(|t| t.assisted_orders),
        revenue: total,
        revenue_per_profile: revenue.mean(),
    };
    (outcome, revenue)
}

/// Per profile key, its clicks and its customer's orders since its assignment.
fn tally<'a>(
    members: &'a HashMap<String, Member>,
    clicks: &[ViewerClick],
    orders: &[CustomerOrder],
    window: Duration,
) -> HashMap<&'a str, Tally> {
    let mut click_times: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    for click in clicks {
        if let Some((key, member)) = members.get_key_value(&click.viewer)
            && click.occurred_at >= member.since
        {
            click_times.entry(key).or_default().push(click.occurred_at);
        }
    }
    let by_customer: HashMap<i64, (&str, DateTime<Utc>)> = members
        .iter()
        .map(|(key, m)| (m.customer_id, (key.as_str(), m.since)))
        .collect();
    let mut tallies: HashMap<&str, Tally> = HashMap::new();
    for (key, times) in &click_times {
        tallies.entry(key).or_default().clicks = times.len() as u64;
    }
    for placed in orders {
        let Some(&(key, since)) = by_customer.get(&placed.customer_id) else {
            continue;
        };
        if placed.placed_at < since {
            continue;
        }
        let assisted = click_times.get(key).is_some_and(|times| {
            times
                .iter()
                .any(|&at| at <= placed.placed_at && placed.placed_at - at <= window)
        });
        let tally = tallies.entry(key).or_default();
        tally.orders += 1;
        tally.assisted_orders += u64::from(assisted);
        tally.revenue_minor += placed.total_minor;
    }
    tallies
}

/// The shop's profiles in an arm, by profile key: pushed at least once, with a customer.
async fn members(
    conn: &impl ConnectionTrait,
    shop_id: i64,
) -> Result<HashMap<String, Member>, DbErr> {
    use email_push_state::Column as C;
    let rows = email_push_state::Entity::find()
        .filter(C::ShopId.eq(shop_id))
        .filter(C::PushedAt.is_not_null())
        .filter(C::AssignedAt.is_not_null())
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let member = Member {
                customer_id: row.external_id.as_deref()?.parse().ok()?,
                arm: Arm::parse(&row.arm)?,
                since: row.assigned_at?,
            };
            Some((row.profile_key, member))
        })
        .collect())
}

/// An email click and the viewer of the impression it is attributed to.
#[derive(Debug, FromQueryResult)]
struct ViewerClick {
    viewer: String,
    occurred_at: DateTime<Utc>,
}

/// The shop's email clicks since `since` attributed to an email impression.
async fn clicks(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<ViewerClick>, DbErr> {
    use event::Column as E;
    use impression::Column as I;
    let (events, impressions) = (event::Entity, impression::Entity);
    let email = surface::name(Surface::Email);
    let select = Query::select()
        .expr_as(Expr::col((impressions, I::AnonymousId)), "viewer")
        .column((events, E::OccurredAt))
        .from(events)
        .inner_join(
            impressions,
            Expr::col((impressions, I::Id)).equals((events, E::ImpressionId)),
        )
        .and_where(Expr::col((events, E::ShopId)).eq(shop_id))
        .and_where(Expr::col((events, E::Kind)).eq("click"))
        .and_where(Expr::col((events, E::Surface)).eq(email))
        .and_where(Expr::col((events, E::OccurredAt)).gte(since))
        .and_where(Expr::col((impressions, I::ShopId)).eq(shop_id))
        .and_where(impression::served_on(shop_id, email))
        .to_owned();
    ViewerClick::find_by_statement(conn.get_database_backend().build(&select))
        .all(conn)
        .await
}

/// An order by a known customer.
#[derive(Debug, FromQueryResult)]
struct CustomerOrder {
    customer_id: i64,
    total_minor: i64,
    placed_at: DateTime<Utc>,
}

/// The shop's orders by known customers since `since`.
async fn orders(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<CustomerOrder>, DbErr> {
    use order::Column as O;
    order::Entity::find()
        .select_only()
        .columns([O::CustomerId, O::TotalMinor, O::PlacedAt])
        .filter(O::ShopId.eq(shop_id))
        .filter(O::CustomerId.is_not_null())
        .filter(O::PlacedAt.gte(since))
        .into_model::<CustomerOrder>()
        .all(conn)
        .await
}
