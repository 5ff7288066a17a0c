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
    // Column-major: c[t·n + i] is entry t of cᵢ. Step t then updates every row with contiguous,
    // vectorisable passes over i instead of n short dot products.
    let mut c = vec![0.0f32; n * k];
    let mut taken = vec![false; n];
    let mut sims = vec![0.0f32; space.len()];
    let mut e = vec![0.0f32; n];
    let mut selected = Vec::with_capacity(k);
    while selected.len() < k {
        let Some(j) = argmax(&d2) else {
            break;
        };
        if d2[j] <= eps {
            break;
        }
        let dj = d2[j].sqrt();
        let t = selected.len();
        taken[j] = true;
        // A taken row can never win the argmax again; -inf spares the argmax a mask test.
        d2[j] = f32::NEG_INFINITY;
        selected.push(j);
        space.sims_to(j, &mut sims);
        // e_i = (L_ji − ⟨c_j, c_i⟩) / d_j, for all rows at once.
        let qj = q[j];
        for ((ei, s), qi) in e.iter_mut().zip(&sims[..n]).zip(&q) {
            *ei = qj * qi * s;
        }
        for m in 0..t {
            let col = &c[m * n..(m + 1) * n];
            let cj = col[j];
            for (ei, ci) in e.iter_mut().zip(col) {
                *ei -= cj * ci;
            }
        }
        let inv = 1.0 / dj;
        let col = &mut c[t * n..(t + 1) * n];
        for ((ci, ei), d) in col.iter_mut().zip(&mut e).zip(&mut d2) {
            *ei *= inv;
            *ci = *ei;
            *d -= *ei * *ei;
        }
    }
    fill_by_quality(&mut selected, &mut taken, &quality[..n], k);
    selected
}

/// Index of the largest value (first on ties); `None` when empty.
fn argmax(values: &[f32]) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, v) in values.iter().enumerate() {
        if best.is_none_or(|(_, b)| *v > b) {
            best = Some((i, *v));
        }
    }
    best.map(|(i, _)| i)
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
