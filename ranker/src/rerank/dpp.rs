//! Determinantal point process re-ranking by fast greedy MAP inference, evaluated lazily.
//!
//! Chen, Zhang & Zhou, "Fast Greedy MAP Inference for Determinantal Point Process to Improve
//! Recommendation Diversity", NeurIPS 2018 (Algorithm 1). The kernel is
//! `L = diag(q) · S · diag(q)` with quality `qᵢ = exp(α · scoreᵢ)` and the PSD similarity `S`.
//! For each candidate `i` it keeps `cᵢ` (its row of the incremental Cholesky factor) and
//! `dᵢ² = L_ii − ‖cᵢ‖²`, the gain of adding `i`. When `j` is selected at step `t`, every
//! candidate's next entry is `eᵢ = (L_ji − ⟨c_j, cᵢ⟩) / d_j` and `dᵢ² −= eᵢ²`.
//!
//! `dᵢ²` never grows, so a stale value is an upper bound on the current gain. Candidates sit in
//! a max-heap keyed by that bound (lazy greedy, Minoux 1978): the top is brought up to date
//! (its missing entries computed from pairwise similarities) and selected only if it is still
//! on top. The result is exactly Chen et al.'s greedy order (ties: lower row), but a step only
//! touches the few candidates that could still win — on a 500-row shortlist, tens of pairwise
//! similarities per step instead of a 500-row similarity sweep. Storage is candidate-major
//! (`c[i·k + t]`), so `⟨c_j, cᵢ⟩` is a contiguous dot product of length `t`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::similarity::SimSpace;
use crate::catalog::dot;

/// Heap entry: an upper bound on a row's gain; ties pop the lower row first.
#[derive(PartialEq)]
struct Bound(f32, usize);

impl Eq for Bound {}
impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Bound {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

/// The incremental Cholesky state.
struct Chol<'s, 'a> {
    space: &'s SimSpace<'a>,
    q: Vec<f32>,
    d2: Vec<f32>,
    /// Candidate-major factor rows: `c[i·k .. i·k + done[i]]`.
    c: Vec<f32>,
    /// How many steps each row has been brought up to.
    done: Vec<usize>,
    selected: Vec<usize>,
    /// `d_j` of each selected row, by step.
    d_sel: Vec<f32>,
    k: usize,
}

impl Chol<'_, '_> {
    /// Applies the steps row `i` missed, so `d2[i]` is its exact current gain.
    fn refresh(&mut self, i: usize) {
        let k = self.k;
        for t in self.done[i]..self.selected.len() {
            let j = self.selected[t];
            let l_ji = self.q[j] * self.q[i] * self.space.sim(j, i);
            let (cj, ci) = (&self.c[j * k..j * k + t], &self.c[i * k..i * k + t]);
            let e = (l_ji - dot(cj, ci)) / self.d_sel[t];
            self.c[i * k + t] = e;
            self.d2[i] -= e * e;
        }
        self.done[i] = self.selected.len();
    }
}

/// Greedy DPP MAP: returns up to `k` row indices in selection order.
///
/// When the best remaining gain falls below a tiny threshold (the kernel became numerically
/// singular, e.g. near-identical items), the rest of the list is filled in quality order, so the
/// caller still gets `min(k, n)` rows.
pub(crate) fn dpp(space: &SimSpace<'_>, quality: &[f32], k: usize, alpha: f32) -> Vec<usize> {
    let n = quality.len().min(space.len());
    let k = k.min(n);
    let q: Vec<f32> = quality[..n].iter().map(|s| (alpha * s).exp()).collect();
    let d2: Vec<f32> = q.iter().map(|x| x * x).collect();
    let eps = 1e-6 * d2.iter().copied().fold(0.0, f32::max);
    let mut heap: BinaryHeap<Bound> = d2.iter().enumerate().map(|(i, d)| Bound(*d, i)).collect();
    let mut st = Chol {
        space,
        q,
        d2,
        c: vec![0.0; n * k],
        done: vec![0; n],
        selected: Vec::with_capacity(k),
        d_sel: Vec::with_capacity(k),
        k,
    };
    while st.selected.len() < k {
        let Some(Bound(_, i)) = heap.pop() else {
            break;
        };
        if st.done[i] < st.selected.len() {
            st.refresh(i);
            heap.push(Bound(st.d2[i], i));
            continue;
        }
        if st.d2[i] <= eps {
            break;
        }
        st.d_sel.push(st.d2[i].sqrt());
        st.selected.push(i);
    }
    let mut selected = st.selected;
    fill_by_quality(&mut selected, &quality[..n], k);
    selected
}

/// Appends the best remaining rows by quality (first on ties) until `k` are selected.
fn fill_by_quality(selected: &mut Vec<usize>, quality: &[f32], k: usize) {
    if selected.len() >= k {
        return;
    }
    let mut taken = vec![false; quality.len()];
    selected.iter().for_each(|i| taken[*i] = true);
    let mut rest: Vec<usize> = (0..quality.len()).filter(|i| !taken[*i]).collect();
    rest.sort_by(|a, b| quality[*b].total_cmp(&quality[*a]).then(a.cmp(b)));
    selected.extend(rest.into_iter().take(k - selected.len()));
}

#[cfg(test)]
#[path = "dpp_tests.rs"]
mod tests;
