//! Seeded randomness helpers: one independent stream per generation stage.

use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

/// The generator's random source.
pub(crate) type Rng = ChaCha8Rng;

/// Generation stages; each gets its own stream so that, for example, asking for more sessions
/// leaves the catalog unchanged.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stage {
    /// Brand popularity.
    Brands = 1,
    /// Products, variants, prices and stock.
    Catalog = 2,
    /// Shoppers and customers.
    Shoppers = 3,
    /// Sessions, events and orders.
    Sessions = 4,
}

/// A stream for `stage` derived from the caller's seed.
pub(crate) fn stage_rng(seed: u64, stage: Stage) -> Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stage as u64);
    rng
}

/// A standard normal draw (Box-Muller; rand 0.9 has no normal distribution without rand_distr).
pub(crate) fn normal(rng: &mut Rng) -> f64 {
    // 1 - u keeps the logarithm's argument in (0, 1].
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal factor with median 1.
pub(crate) fn log_normal(rng: &mut Rng, sigma: f64) -> f64 {
    (sigma * normal(rng)).exp()
}

/// An index drawn with probability proportional to `weights`; `None` if all are zero.
pub(crate) fn pick_weighted(rng: &mut Rng, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
    if total <= 0.0 {
        return None;
    }
    let mut target = rng.random::<f64>() * total;
    let mut last = None;
    for (i, &w) in weights.iter().enumerate() {
        if !(w.is_finite() && w > 0.0) {
            continue;
        }
        if target < w {
            return Some(i);
        }
        target -= w;
        last = Some(i);
    }
    // Floating-point rounding can leave a sliver past the end.
    last
}

/// A prepared weighted distribution for many draws: O(log n) per draw.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    cumulative: Vec<f64>,
}

impl Table {
    /// Prepares draws proportional to `weights` (non-positive or non-finite weights never win).
    pub(crate) fn new(weights: &[f64]) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .iter()
            .map(|&w| {
                if w.is_finite() && w > 0.0 {
                    total += w;
                }
                total
            })
            .collect();
        Self { cumulative }
    }

    /// An index, or `None` when every weight is zero.
    pub(crate) fn sample(&self, rng: &mut Rng) -> Option<usize> {
        let total = *self.cumulative.last()?;
        if total <= 0.0 {
            return None;
        }
        let target = rng.random::<f64>() * total;
        let i = self.cumulative.partition_point(|&c| c <= target);
        Some(i.min(self.cumulative.len() - 1))
    }
}

/// A uniformly chosen element, `None` for an empty slice.
pub(crate) fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        items.get(rng.random_range(0..items.len()))
    }
}

/// `k` distinct indices below `n` (fewer if `n < k`), in random order.
pub(crate) fn distinct(rng: &mut Rng, n: usize, k: usize) -> Vec<usize> {
    rand::seq::index::sample(rng, n, k.min(n)).into_vec()
}

/// A UUID-v4-shaped identifier.
pub(crate) fn uuid_like(rng: &mut Rng) -> String {
    let hi: u64 = rng.random();
    let lo: u64 = rng.random();
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_pick_skips_zero_weights_and_handles_all_zero() {
        let mut rng = stage_rng(7, Stage::Catalog);
        for _ in 0..100 {
            assert_eq!(pick_weighted(&mut rng, &[0.0, 2.0, 0.0]), Some(1));
        }
        assert_eq!(pick_weighted(&mut rng, &[0.0, f64::NAN]), None);
        assert_eq!(pick_weighted(&mut rng, &[]), None);
    }

    #[test]
    fn table_never_returns_a_zero_weight_index() {
        let mut rng = stage_rng(9, Stage::Sessions);
        let table = Table::new(&[0.0, 1.0, 0.0, 3.0, 0.0]);
        for _ in 0..500 {
            let i = table.sample(&mut rng);
            assert!(i == Some(1) || i == Some(3), "{i:?}");
        }
        assert_eq!(Table::new(&[0.0]).sample(&mut rng), None);
        assert_eq!(Table::new(&[]).sample(&mut rng), None);
    }

    #[test]
    fn uuid_like_has_the_v4_shape() {
        let id = uuid_like(&mut stage_rng(1, Stage::Sessions));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
