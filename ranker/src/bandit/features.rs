//! The request context as a fixed-length feature vector.

use crate::catalog::Catalog;
use crate::context::{Context, Device, TrafficSource};
use crate::intent::Intent;

/// Length of [`context_features`].
pub const FEATURES: usize = 16;

/// Features: bias; traffic source one-hot (5); device one-hot (3); category depth of the intent
/// (÷ 4, capped at 1); session recency (`2^(−age/90 s)` of the latest event, 0 without events);
/// price sensitivity (0.5 when unknown); returning shopper; session length (events ÷ 10,
/// capped); has seeds; intent strength.
#[must_use]
pub fn context_features(catalog: &Catalog, ctx: &Context, intent: &Intent) -> [f64; FEATURES] {
    let mut x = [0.0; FEATURES];
    x[0] = 1.0;
    let source = TrafficSource::ALL
        .iter()
        .position(|s| *s == ctx.visit.source)
        .unwrap_or(0);
    x[1 + source] = 1.0;
    let device = match ctx.visit.device {
        Device::Desktop => 0,
        Device::Mobile => 1,
        Device::Tablet => 2,
    };
    x[6 + device] = 1.0;
    let depth = intent.category.map_or(0, |c| catalog.categories().depth(c));
    x[9] = (f64::from(depth) / 4.0).min(1.0);
    let latest = ctx.events.iter().map(|e| e.at).max();
    x[10] = latest.map_or(0.0, |t| 0.5f64.powf((ctx.now - t).max(0) as f64 / 90.0));
    x[11] = f64::from(ctx.shopper.price_sensitivity.unwrap_or(0.5).clamp(0.0, 1.0));
    x[12] = if ctx.shopper.returning { 1.0 } else { 0.0 };
    x[13] = (ctx.events.len() as f64 / 10.0).min(1.0);
    x[14] = if ctx.seeds.is_empty() { 0.0 } else { 1.0 };
    x[15] = f64::from(intent.strength.clamp(0.0, 1.0));
    x
}
