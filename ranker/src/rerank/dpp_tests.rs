use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::catalog::{Catalog, ItemId, ItemSpec};
use crate::rerank::similarity::SimilarityConfig;

/// A random catalog of `n` items in 6 categories, 5 brands, 8-d embeddings.
fn catalog(seed: u64, n: usize) -> Catalog {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut b = Catalog::builder(8);
    let cats: Vec<_> = (0..6)
        .filter_map(|c| b.category(&[&format!("p{}", c % 2), &format!("c{c}")]))
        .collect();
    for i in 0..n {
        let brand = b.brand(&format!("b{}", rng.random_range(0..5)));
        let e: Vec<f32> = (0..8).map(|_| rng.random_range(-1.0..1.0)).collect();
        let spec = ItemSpec::new(i as i64, cats[rng.random_range(0..cats.len())])
            .brand(brand)
            .embedding(e);
        b.add_item(spec).unwrap();
    }
    b.build()
}

/// Plain greedy MAP in f64: each step recomputes every candidate's gain `det(L_{Y+i}) / det(L_Y)`
/// by a fresh Cholesky solve against the selection.
fn reference(space: &SimSpace<'_>, quality: &[f32], k: usize, alpha: f32) -> Vec<usize> {
    let n = quality.len();
    let q: Vec<f64> = quality.iter().map(|s| f64::from(alpha * s).exp()).collect();
    let l = |a: usize, b: usize| q[a] * q[b] * f64::from(space.sim(a, b));
    let mut selected: Vec<usize> = Vec::new();
    while selected.len() < k {
        let mut best: Option<(usize, f64)> = None;
        for i in (0..n).filter(|i| !selected.contains(i)) {
            // Solve L_Y x = L_{Y,i} by Gaussian elimination; gain = L_ii − L_{i,Y} x.
            let m = selected.len();
            let mut a: Vec<Vec<f64>> = (0..m)
                .map(|r| {
                    let mut row: Vec<f64> = (0..m).map(|c| l(selected[r], selected[c])).collect();
                    row.push(l(selected[r], i));
                    row
                })
                .collect();
            for p in 0..m {
                let pivot = a[p].clone();
                for row in a.iter_mut().skip(p + 1) {
                    let f = row[p] / pivot[p];
                    for (x, y) in row.iter_mut().zip(&pivot).skip(p) {
                        *x -= f * y;
                    }
                }
            }
            let mut x = vec![0.0; m];
            for r in (0..m).rev() {
                let s: f64 = (r + 1..m).map(|c| a[r][c] * x[c]).sum();
                x[r] = (a[r][m] - s) / a[r][r];
            }
            let gain = l(i, i) - (0..m).map(|r| l(selected[r], i) * x[r]).sum::<f64>();
            if best.is_none_or(|(_, g)| gain > g) {
                best = Some((i, gain));
            }
        }
        selected.push(best.unwrap().0);
    }
    selected
}

#[test]
fn lazy_greedy_matches_the_plain_greedy_map_order() {
    for seed in 0..20 {
        let cat = catalog(seed, 60);
        let ids: Vec<ItemId> = (0..60).map(ItemId).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
        let quality: Vec<f32> = (0..60).map(|_| rng.random_range(0.0..1.0)).collect();
        let space = SimSpace::pairwise(&cat, &ids, &SimilarityConfig::default());
        for alpha in [0.5, 2.0, 4.0] {
            let got = dpp(&space, &quality, 10, alpha);
            assert_eq!(
                got,
                reference(&space, &quality, 10, alpha),
                "seed {seed} α {alpha}"
            );
        }
    }
}

#[test]
fn identical_items_fall_back_to_quality_order() {
    let cat = catalog(1, 5);
    // Five copies of one item: after the first pick every gain is zero.
    let ids = vec![ItemId(2); 5];
    let space = SimSpace::pairwise(&cat, &ids, &SimilarityConfig::default());
    let got = dpp(&space, &[0.1, 0.9, 0.5, 0.9, 0.2], 4, 1.0);
    assert_eq!(got, vec![1, 3, 2, 4]);
}
