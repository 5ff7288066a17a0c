//! Orders and the recommendations that helped them: an order is *assisted* by a surface when
//! its shopper clicked or added to cart an item recommended there (an event attributed to an
//! impression) in the window before the order — same session, same browser or same customer.
//! The order's whole total is the surface's assisted revenue; the lines whose product was the
//! one engaged with are its attributed revenue. The same per module of the surface, by the
//! module of the position engaged with.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::{event, impression, order, order_line};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::stats::share;
use super::touches::{Touch, touches};
use super::{ALL_ARMS, ALL_MODULES, ALL_SURFACES, Catalog, Metric, Span, chunks};
use crate::signals;

/// Whether `t` was done by the shopper who placed `o`.
fn by_shopper_of(t: &Touch, o: &order::Model) -> bool {
    o.session_id.as_deref() == Some(t.session_id.as_str())
        || o.anonymous_id.as_deref() == Some(t.anonymous_id.as_str())
        || (o.customer_id.is_some() && o.customer_id == t.customer_id)
}

/// Orders, their revenue and their breadth.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Basket {
    /// Orders placed.
    pub orders: i64,
    /// Their revenue, minor units of the shop currency.
    pub revenue: i64,
    /// Mean distinct categories per order, over orders with categorised lines.
    breadth_sum: i64,
    breadth_orders: i64,
}

impl Basket {
    fn add(&mut self, total_minor: i64, categories: usize) {
        self.orders += 1;
        self.revenue += total_minor;
        if categories > 0 {
            self.breadth_orders += 1;
            self.breadth_sum += i64::try_from(categories).unwrap_or(i64::MAX);
        }
    }
}

/// Totals of the day's orders.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct OrderTotals {
    /// All the day's orders.
    pub all: Basket,
    /// Per experiment arm, the orders of the sessions it served that day.
    pub by_arm: BTreeMap<String, Basket>,
    /// Per surface and module ([`ALL_MODULES`] for the whole surface): assisted orders,
    /// their revenue, and the attributed lines' revenue.
    by_surface: BTreeMap<(String, String), Assist>,
    /// Per product: revenue (minor units) and units of its lines.
    sold: HashMap<i64, (i64, i64)>,
}

impl OrderTotals {
    /// Per product: the revenue (minor units) and units of the day's lines.
    pub(super) fn sold(&self) -> &HashMap<i64, (i64, i64)> {
        &self.sold
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Assist {
    orders: i64,
    revenue: i64,
    attributed: i64,
}

/// The day's orders and what assisted them, looking `window` back from each order.
///
/// # Errors
/// The database error.
pub(super) async fn totals(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    span: Span,
    window: Duration,
    catalog: &Catalog,
    arm_sessions: &BTreeMap<String, HashSet<String>>,
) -> Result<OrderTotals, DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::ShopId.eq(shop_id))
        .filter(order::Column::PlacedAt.gte(span.start))
        .filter(order::Column::PlacedAt.lt(span.end))
        .all(conn)
        .await?;
    let lines = lines_of(conn, shop_id, &orders).await?;
    let engagements = engagements(conn, shop_id, &orders, span.start - window, span.end).await?;
    let modules = modules_of(conn, shop_id, &engagements).await?;
    let mut totals = OrderTotals::default();
    for o in &orders {
        let bought = lines.get(&o.id).map_or(&[][..], Vec::as_slice);
        for line in bought {
            if let Some(product) = line.product_id {
                let sold = totals.sold.entry(product).or_default();
                sold.0 += line.price_minor * line.quantity;
                sold.1 += line.quantity;
            }
        }
        let categories: HashSet<&str> = bought
            .iter()
            .filter_map(|l| l.product_id.and_then(|p| catalog.category(p)))
            .collect();
        totals.all.add(o.total_minor, categories.len());
        if let Some(session) = &o.session_id {
            for (arm, sessions) in arm_sessions {
                if sessions.contains(session) {
                    let basket = totals.by_arm.entry(arm.clone()).or_default();
                    basket.add(o.total_minor, categories.len());
                }
            }
        }
        let helped: Vec<(&str, &str, &Touch)> = engagements
            .iter()
            .filter(|e| e.at <= o.placed_at && e.at >= o.placed_at - window && by_shopper_of(e, o))
            .filter_map(|e| {
                let module = e.impression.and_then(|at| modules.get(&at));
                Some((
                    e.surface.as_deref()?,
                    module.map_or(ALL_MODULES, String::as_str),
                    e,
                ))
            })
            .collect();
        let mut slices: HashSet<(&str, &str)> = HashSet::new();
        for (surface, module, _) in &helped {
            slices.insert((surface, ALL_MODULES));
            slices.insert((surface, module));
        }
        if !helped.is_empty() {
            // The storefront-wide row counts an order once, however many surfaces helped.
            slices.insert((ALL_SURFACES, ALL_MODULES));
        }
        for (surface, module) in slices {
            let engaged: HashSet<i64> = helped
                .iter()
                .filter(|(on, _, _)| surface == ALL_SURFACES || *on == surface)
                .filter(|(_, of, _)| module == ALL_MODULES || *of == module)
                .filter_map(|(_, _, e)| e.product_id)
                .collect();
            let key = (surface.to_owned(), module.to_owned());
            let assist = totals.by_surface.entry(key).or_default();
            assist.orders += 1;
            assist.revenue += o.total_minor;
            assist.attributed += bought
                .iter()
                .filter(|l| l.product_id.is_some_and(|p| engaged.contains(&p)))
                .map(|l| l.price_minor * l.quantity)
                .sum::<i64>();
        }
    }
    Ok(totals)
}

/// The metrics of the day's orders: storefront-wide orders, revenue, AOV and order breadth,
/// and per surface (and storefront-wide) the assisted and attributed revenue.
pub(super) fn metrics(t: &OrderTotals) -> Vec<Metric> {
    let orders = t.all.orders;
    let mut out = arm_metrics(&t.all, ALL_ARMS);
    for ((surface, module), a) in &t.by_surface {
        let m = |name, value, samples| Metric::new(surface, name, value, samples).in_module(module);
        out.push(m("assisted_orders", a.orders as f64, orders));
        out.push(m("assisted_order_share", share(a.orders, orders), orders));
        out.push(m("assisted_revenue", a.revenue as f64, a.orders));
        out.push(m("attributed_revenue", a.attributed as f64, a.orders));
    }
    out
}

/// Storefront-wide orders, revenue, AOV and order breadth of `b`, under `arm`.
pub(super) fn arm_metrics(b: &Basket, arm: &str) -> Vec<Metric> {
    let all = |name, value, samples| Metric::new(ALL_SURFACES, name, value, samples).in_arm(arm);
    vec![
        all("orders", b.orders as f64, b.orders),
        all("revenue", b.revenue as f64, b.orders),
        all("aov", b.revenue as f64 / (b.orders.max(1)) as f64, b.orders),
        all(
            "order_breadth",
            b.breadth_sum as f64 / (b.breadth_orders.max(1)) as f64,
            b.breadth_orders,
        ),
    ]
}

/// The lines of `orders`, by order id.
async fn lines_of(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    orders: &[order::Model],
) -> Result<HashMap<i64, Vec<order_line::Model>>, DbErr> {
    let mut out: HashMap<i64, Vec<order_line::Model>> = HashMap::new();
    for ids in chunks(orders.iter().map(|o| o.id)) {
        for line in order_line::Entity::find()
            .filter(order_line::Column::ShopId.eq(shop_id))
            .filter(order_line::Column::OrderId.is_in(ids))
            .all(conn)
            .await?
        {
            out.entry(line.order_id).or_default().push(line);
        }
    }
    Ok(out)
}

/// The module of each engaged position of the impressions `engagements` point at.
async fn modules_of(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    engagements: &[Touch],
) -> Result<HashMap<(i64, Option<i32>), String>, DbErr> {
    let mut out = HashMap::new();
    for ids in chunks(
        engagements
            .iter()
            .filter_map(|e| e.impression.map(|(id, _)| id)),
    ) {
        let rows = impression::Entity::find()
            .filter(impression::Column::ShopId.eq(shop_id))
            .filter(impression::Column::Id.is_in(ids))
            .all(conn)
            .await?;
        let answers = signals::impression::answers(conn, &rows).await?;
        for (row, answer) in rows.iter().zip(answers) {
            for item in answer.items {
                out.insert((row.id, Some(item.position)), item.module);
            }
        }
    }
    Ok(out)
}

/// Recommendation engagements (attributed clicks and add-to-carts) between `from` and `to`
/// by the shoppers of `orders`; one engagement may come back once per id it matches.
async fn engagements(
    conn: &impl ConnectionTrait,
    shop_id: i64,
    orders: &[order::Model],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Touch>, DbErr> {
    let sessions = chunks(orders.iter().filter_map(|o| o.session_id.clone()));
    let browsers = chunks(orders.iter().filter_map(|o| o.anonymous_id.clone()));
    let customers = chunks(orders.iter().filter_map(|o| o.customer_id));
    let shoppers = sessions
        .into_iter()
        .map(|ids| event::Column::SessionId.is_in(ids))
        .chain(
            browsers
                .into_iter()
                .map(|ids| event::Column::AnonymousId.is_in(ids)),
        )
        .chain(
            customers
                .into_iter()
                .map(|ids| event::Column::CustomerId.is_in(ids)),
        );
    let mut out = Vec::new();
    for shopper in shoppers {
        let engaged = Condition::all()
            .add(shopper)
            .add(event::Column::ImpressionId.is_not_null())
            .add(event::Column::Kind.is_in(["click", "add_to_cart"]));
        out.extend(touches(conn, shop_id, engaged, Some(from), to).await?);
    }
    Ok(out)
}
