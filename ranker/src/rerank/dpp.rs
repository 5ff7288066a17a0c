//! Determinantal point process re-ranking by fast greedy MAP inference.
//!
//! Chen, Zhang & Zhou, "Fast Greedy MAP Inference for Determinantal Point Process to Improve
//! Recommendation Diversity", NeurIPS 2018 (Algorithm 1). The kernel is
//! `L = diag(q) · S · diag(q)` with quality `qᵢ = exp(α · scoreᵢ)` and the PSD similarity `S`.
//! Instead of recomputing `log det L_Y` per candidate, it keeps for each row `i` the vector `cᵢ`
//! (its row of the incremental Cholesky factor) and `dᵢ² = L_ii − ‖cᵢ‖²`, the gain of adding `i`;
//! each step costs O(|Y|·n), so selecting `k` costs O(k²·n) overall.

use super::similarity::SimSpace;

/// Greedy DPP MAP: returns up to `k` row indices in selection order.
///
/// When the remaining gains all fall below a tiny threshold (the kernel became numerically
/// singular, e.g. near-identical items), the rest of the list is filled in quality order, so the
/// caller still gets `min(k, n)` rows.
pub(crate) fn dpp(space: &SimSpace<'_>, quality: &[f32], k: usize, alpha: f32) -> Vec<usize> {
    let n = quality.len().min(space.len());
    let k = k.min(n);
    let q: Vec<f32> = quality[..n].iter().map(|s| (alpha * s).exp()).collect();
    let mut d2: Vec<f32> = q.iter().map(|x| x * x).collect();
    let eps = 1e-6 * d2.iter().copied().fold(0.0, f32::max);
    // Row-major n × k; row i holds cᵢ (only its first |Y| entries are meaningful).
    let mut c = vec![0.0f32; n * k];
    let mut taken = vec![false; n];
    let mut selected = Vec::with_capacity(k);
    while selected.len() < k {
        let Some(j) = argmax_free(&d2, &taken) else {
            break;
        };
        if d2[j] <= eps {
            break;
        }
        let t = selected.len();
        taken[j] = true;
        selected.push(j);
        let dj = d2[j].sqrt();
        let (qj, row_j) = (q[j], j * k);
        for i in 0..n {
            if taken[i] {
                continue;
            }
            let row_i = i * k;
            let mut proj = 0.0;
            for m in 0..t {
                proj += c[row_j + m] * c[row_i + m];
            }
            let e = (qj * q[i] * space.sim(j, i) - proj) / dj;
            c[row_i + t] = e;
            d2[i] -= e * e;
        }
    }
    fill_by_quality(&mut selected, &mut taken, &quality[..n], k);
    selected
}

fn argmax_free(values: &[f32], taken: &[bool]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, v) in values.iter().enumerate() {
        if !taken[i] && best.is_none_or(|b| *v > values[b]) {
            best = Some(i);
        }
    }
    best
}

/// Appends the best remaining rows by quality until `k` are selected.
fn fill_by_quality(selected: &mut Vec<usize>, taken: &mut [bool], quality: &[f32], k: usize) {
    while selected.len() < k {
        let Some(i) = argmax_free(quality, taken) else {
            break;
        };
        taken[i] = true;
        selected.push(i);
    }
}
