//! Discovery metrics: category spread, exposure concentration, serendipity, discovery rate.

use std::collections::HashSet;

use crate::catalog::{CategoryId, ItemId};

/// Mean number of distinct categories per list (lists of any length; 0 without lists).
#[must_use]
pub fn category_spread(lists: &[Vec<ItemId>], category: impl Fn(ItemId) -> CategoryId) -> f64 {
    if lists.is_empty() {
        return 0.0;
    }
    let total: usize = lists
        .iter()
        .map(|l| l.iter().map(|i| category(*i)).collect::<HashSet<_>>().len())
        .sum();
    total as f64 / lists.len() as f64
}

/// Gini coefficient of exposure counts over the whole catalog (`exposures[i]` = impressions of
/// item `i`, zeros included): 0 = every item shown equally, → 1 = all impressions on one item.
#[must_use]
pub fn exposure_gini(exposures: &[u64]) -> f64 {
    let n = exposures.len();
    let total: u64 = exposures.iter().sum();
    if n == 0 || total == 0 {
        return 0.0;
    }
    let mut sorted = exposures.to_vec();
    sorted.sort_unstable();
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 + 1.0) * *x as f64)
        .sum();
    (2.0 * weighted) / (n as f64 * total as f64) - (n as f64 + 1.0) / n as f64
}

/// Serendipity: per user, the share of the list that is both relevant and unexpected (not in
/// `expected[u]`, e.g. what a popularity or same-category baseline would show), averaged over
/// users with a non-empty list.
#[must_use]
pub fn serendipity(
    lists: &[Vec<ItemId>],
    relevant: &[HashSet<ItemId>],
    expected: &[HashSet<ItemId>],
) -> f64 {
    let (mut sum, mut users) = (0.0, 0usize);
    for ((list, rel), exp) in lists.iter().zip(relevant).zip(expected) {
        if list.is_empty() {
            continue;
        }
        let hits = list
            .iter()
            .filter(|i| rel.contains(i) && !exp.contains(i))
            .count();
        sum += hits as f64 / list.len() as f64;
        users += 1;
    }
    if users == 0 { 0.0 } else { sum / users as f64 }
}

/// One session for [`discovery_rate`]: the categories the shopper knew before it, and those
/// they viewed or bought in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionCategories {
    /// Categories the shopper had engaged with before the session.
    pub known: HashSet<CategoryId>,
    /// Categories viewed or bought during the session.
    pub engaged: Vec<CategoryId>,
}

/// Share of sessions that view or buy at least one category new to the shopper.
#[must_use]
pub fn discovery_rate(sessions: &[SessionCategories]) -> f64 {
    if sessions.is_empty() {
        return 0.0;
    }
    let discovered = sessions
        .iter()
        .filter(|s| s.engaged.iter().any(|c| !s.known.contains(c)))
        .count();
    discovered as f64 / sessions.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_is_zero_for_equal_and_near_one_for_concentrated_exposure() {
        assert!(exposure_gini(&[5, 5, 5, 5]).abs() < 1e-12);
        assert!((exposure_gini(&[0, 0, 0, 10]) - 0.75).abs() < 1e-12);
        assert_eq!(exposure_gini(&[]), 0.0);
    }

    #[test]
    fn spread_serendipity_and_discovery_on_small_cases() {
        let lists = vec![vec![ItemId(0), ItemId(1), ItemId(2)]];
        assert!((category_spread(&lists, |i| CategoryId(i.0 % 2)) - 2.0).abs() < 1e-12);
        let rel = vec![[ItemId(1), ItemId(2)].into_iter().collect()];
        let exp = vec![[ItemId(1)].into_iter().collect()];
        assert!((serendipity(&lists, &rel, &exp) - 1.0 / 3.0).abs() < 1e-12);
        let s = |known: &[u32], engaged: &[u32]| SessionCategories {
            known: known.iter().map(|c| CategoryId(*c)).collect(),
            engaged: engaged.iter().map(|c| CategoryId(*c)).collect(),
        };
        assert!((discovery_rate(&[s(&[1], &[1]), s(&[1], &[1, 2])]) - 0.5).abs() < 1e-12);
    }
}
