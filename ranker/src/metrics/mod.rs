//! Offline evaluation metrics for top-k lists: accuracy, coverage, diversity, novelty, and the
//! discovery metrics (category spread, exposure Gini, serendipity, discovery rate).
//!
//! Accuracy metrics follow Microsoft Recommenders' `python_evaluation` with binary relevance:
//! averages run over users that have both a list and held-out items; NDCG's ideal DCG counts
//! `min(|relevant|, k)` hits; MAP@k divides by `min(|relevant|, k)` (the current definition) and
//! [`Accuracy::map`] by `|relevant|` (the older one used in their published SAR benchmark).

mod discovery;

use std::collections::{HashMap, HashSet};

pub use discovery::{
    SessionCategories, category_spread, discovery_rate, exposure_gini, serendipity,
};

use crate::catalog::ItemId;

/// Averaged accuracy of many users' lists.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Accuracy {
    /// Users evaluated.
    pub users: usize,
    /// Precision@k.
    pub precision: f64,
    /// Recall@k.
    pub recall: f64,
    /// NDCG@k.
    pub ndcg: f64,
    /// MAP@k, normalised by `min(|relevant|, k)`.
    pub map_at_k: f64,
    /// MAP, normalised by `|relevant|`.
    pub map: f64,
}

/// Accuracy@k of `lists[u]` against `relevant[u]`; users without held-out items are skipped.
#[must_use]
pub fn accuracy(lists: &[Vec<ItemId>], relevant: &[HashSet<ItemId>], k: usize) -> Accuracy {
    let mut acc = Accuracy::default();
    for (list, truth) in lists.iter().zip(relevant) {
        if truth.is_empty() || list.is_empty() {
            continue;
        }
        let top = &list[..k.min(list.len())];
        let (mut hits, mut dcg, mut precision_sum) = (0usize, 0.0f64, 0.0f64);
        for (rank, item) in top.iter().enumerate() {
            if truth.contains(item) {
                hits += 1;
                dcg += 1.0 / (rank as f64 + 2.0).log2();
                precision_sum += hits as f64 / (rank as f64 + 1.0);
            }
        }
        let ideal: f64 = (0..truth.len().min(k))
            .map(|r| 1.0 / (r as f64 + 2.0).log2())
            .sum();
        acc.users += 1;
        acc.precision += hits as f64 / k as f64;
        acc.recall += hits as f64 / truth.len() as f64;
        acc.ndcg += dcg / ideal;
        acc.map_at_k += precision_sum / truth.len().min(k) as f64;
        acc.map += precision_sum / truth.len() as f64;
    }
    if acc.users > 0 {
        let n = acc.users as f64;
        acc.precision /= n;
        acc.recall /= n;
        acc.ndcg /= n;
        acc.map_at_k /= n;
        acc.map /= n;
    }
    acc
}

/// Share of the catalog's `n_items` that appear in at least one list.
#[must_use]
pub fn coverage(lists: &[Vec<ItemId>], n_items: usize) -> f64 {
    let distinct: HashSet<ItemId> = lists.iter().flatten().copied().collect();
    if n_items == 0 {
        0.0
    } else {
        distinct.len() as f64 / n_items as f64
    }
}

/// Intra-list diversity: the mean pairwise `distance` within each list, averaged over lists
/// with at least two items.
#[must_use]
pub fn intra_list_diversity(
    lists: &[Vec<ItemId>],
    distance: impl Fn(ItemId, ItemId) -> f64,
) -> f64 {
    let (mut total, mut count) = (0.0, 0usize);
    for list in lists.iter().filter(|l| l.len() > 1) {
        let mut sum = 0.0;
        let mut pairs = 0usize;
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                sum += distance(*a, *b);
                pairs += 1;
            }
        }
        total += sum / pairs as f64;
        count += 1;
    }
    if count == 0 {
        0.0
    } else {
        total / count as f64
    }
}

/// Novelty: the mean of `−log2 p(i)` over every recommended item, where `p(i)` is the share of
/// `n_users` who interacted with `i` (`interacted[i]` users). Items nobody touched count as one
/// user, so novelty stays finite.
#[must_use]
pub fn novelty(lists: &[Vec<ItemId>], interacted: &HashMap<ItemId, usize>, n_users: usize) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for item in lists.iter().flatten() {
        let users = interacted.get(item).copied().unwrap_or(0).max(1);
        sum += -(users as f64 / n_users.max(1) as f64).log2();
        count += 1;
    }
    if count == 0 { 0.0 } else { sum / count as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<ItemId> {
        v.iter().map(|i| ItemId(*i)).collect()
    }

    #[test]
    fn a_perfect_list_scores_one_everywhere() {
        let truth = vec![ids(&[1, 2]).into_iter().collect::<HashSet<_>>()];
        let acc = accuracy(&[ids(&[1, 2])], &truth, 2);
        assert!((acc.ndcg - 1.0).abs() < 1e-12);
        assert!((acc.map_at_k - 1.0).abs() < 1e-12);
        assert!((acc.precision - 1.0).abs() < 1e-12);
        assert!((acc.recall - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ndcg_and_map_match_hand_computed_values() {
        // Hits at ranks 2 and 3 of 3, three relevant items, k = 3.
        let truth = vec![ids(&[7, 8, 9]).into_iter().collect::<HashSet<_>>()];
        let acc = accuracy(&[ids(&[1, 8, 9])], &truth, 3);
        let dcg = 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        assert!((acc.ndcg - dcg / idcg).abs() < 1e-12);
        assert!((acc.map_at_k - (0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn diversity_coverage_and_novelty_behave_on_small_lists() {
        let lists = vec![ids(&[0, 1]), ids(&[1, 2])];
        assert!((coverage(&lists, 4) - 0.75).abs() < 1e-12);
        let ild = intra_list_diversity(&lists, |a, b| if a == b { 0.0 } else { 1.0 });
        assert!((ild - 1.0).abs() < 1e-12);
        let seen: HashMap<ItemId, usize> = [(ItemId(0), 2), (ItemId(1), 1)].into_iter().collect();
        assert!(novelty(&lists, &seen, 2) > 0.0);
    }
}
