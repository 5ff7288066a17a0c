//! Maximal marginal relevance (Carbonell & Goldstein, 1998).

use super::similarity::SimSpace;

/// Greedy MMR: each step takes the row maximising `λ·quality − (1 − λ)·max_sim_to_selected`.
///
/// `quality` is indexed like `space`; returns up to `k` row indices in selection order. The first
/// pick is always the best-quality row. Ties go to the lower row (rows arrive best-first).
pub(crate) fn mmr(space: &SimSpace<'_>, quality: &[f32], k: usize, lambda: f32) -> Vec<usize> {
    let n = quality.len().min(space.len());
    let k = k.min(n);
    let mut selected = Vec::with_capacity(k);
    let mut taken = vec![false; n];
    // Max similarity to the selection so far; 0 before anything is selected, and clamped at 0
    // because a negative (dissimilar) cosine should not earn a bonus.
    let mut max_sim = vec![0.0f32; n];
    let mut sims = vec![0.0f32; space.len()];
    for _ in 0..k {
        let mut best: Option<(usize, f32)> = None;
        for i in 0..n {
            if taken[i] {
                continue;
            }
            let gain = lambda * quality[i] - (1.0 - lambda) * max_sim[i];
            if best.is_none_or(|(_, g)| gain > g) {
                best = Some((i, gain));
            }
        }
        let Some((pick, _)) = best else { break };
        taken[pick] = true;
        selected.push(pick);
        space.sims_to(pick, &mut sims);
        for ((m, s), t) in max_sim.iter_mut().zip(&sims).zip(&taken) {
            if !t {
                *m = m.max(*s);
            }
        }
    }
    selected
}
