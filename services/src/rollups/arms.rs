//! The storefront-wide rows of one experiment arm: what its sessions discovered and bought.

use super::discovery::{self, DiscoveryDay};
use super::orders::{self, OrderTotals};
use super::{ALL_SURFACES, Metric};

/// The storefront-wide metrics of the sessions `arm` served: their discovery, and their
/// orders against every session it served (as the experiment results count revenue per
/// session: most served sessions buy nothing).
pub(super) fn metrics(
    arm: &str,
    served: usize,
    orders: &OrderTotals,
    discovery: &DiscoveryDay,
) -> Vec<Metric> {
    let served = i64::try_from(served).unwrap_or(i64::MAX);
    let mut out = Vec::new();
    if let Some(d) = discovery.by_arm.get(arm) {
        out.extend(discovery::metrics(d, arm));
    }
    let bought = orders.by_arm.get(arm).cloned().unwrap_or_default();
    out.extend(orders::arm_metrics(&bought, arm));
    out.push(
        Metric::new(
            ALL_SURFACES,
            "revenue_per_session",
            bought.revenue as f64 / served.max(1) as f64,
            served,
        )
        .in_arm(arm),
    );
    out
}
