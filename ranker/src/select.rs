//! Bounded top-k selection.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Heap key: higher score is better, then lower index (for determinism).
#[derive(PartialEq)]
struct Key(f32, usize);

impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .total_cmp(&other.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

/// Below this many rows per wanted row, a plain heap is as fast as sampling.
const SAMPLE_FROM: usize = 16;
const SAMPLE: usize = 4096;

/// Indices of the `k` largest scores, best first; ties go to the lower index.
///
/// For large inputs it samples the scores to guess a threshold just below the `k`-th best, keeps
/// the (few) rows at or above it in one branch-light pass, and sorts only those; if the guess
/// keeps too few rows it falls back to a size-`k` heap. Both paths return exactly the same list.
#[must_use]
pub fn top_k_indices(scores: &[f32], k: usize) -> Vec<usize> {
    let n = scores.len();
    if k == 0 || n == 0 {
        return Vec::new();
    }
    if n / k.max(1) >= SAMPLE_FROM && n >= SAMPLE * 2 {
        let step = n / SAMPLE;
        let mut sample: Vec<f32> = scores.iter().step_by(step).copied().collect();
        // Aim for about twice k survivors, so sampling noise rarely forces the fallback.
        let rank = ((2 * k * sample.len()) / n + 8).min(sample.len() - 1);
        sample.select_nth_unstable_by(rank, |a, b| b.total_cmp(a));
        let threshold = sample[rank];
        let mut keep: Vec<u32> = Vec::with_capacity(4 * k);
        for (i, s) in scores.iter().enumerate() {
            if *s >= threshold {
                keep.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        if keep.len() >= k {
            let key = |i: &u32| Key(scores[*i as usize], *i as usize);
            keep.select_nth_unstable_by(k - 1, |a, b| key(b).cmp(&key(a)));
            keep.truncate(k);
            keep.sort_unstable_by_key(|i| Reverse(key(i)));
            return keep.into_iter().map(|i| i as usize).collect();
        }
    }
    heap_top_k(scores, k)
}

/// Size-`k` min-heap selection: almost every row is rejected by one comparison with the floor.
fn heap_top_k(scores: &[f32], k: usize) -> Vec<usize> {
    let mut heap: BinaryHeap<Reverse<Key>> = BinaryHeap::with_capacity(k + 1);
    let mut floor = f32::NEG_INFINITY;
    for (i, &s) in scores.iter().enumerate() {
        if heap.len() < k {
            heap.push(Reverse(Key(s, i)));
            if heap.len() == k {
                floor = heap.peek().map_or(f32::NEG_INFINITY, |r| r.0.0);
            }
        } else if s > floor {
            heap.pop();
            heap.push(Reverse(Key(s, i)));
            floor = heap.peek().map_or(f32::NEG_INFINITY, |r| r.0.0);
        }
    }
    let mut out: Vec<Key> = heap.into_iter().map(|r| r.0).collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.into_iter().map(|k| k.1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_and_heap_paths_agree_with_a_full_sort() {
        // Coarse values force many ties; a pseudo-random sequence avoids any sorted order.
        let scores: Vec<f32> = (0..50_000u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) >> 7) % 997) as f32)
            .collect();
        let mut all: Vec<usize> = (0..scores.len()).collect();
        all.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]).then(a.cmp(b)));
        for k in [1, 10, 500, 3000] {
            assert_eq!(top_k_indices(&scores, k), all[..k].to_vec(), "k = {k}");
            assert_eq!(heap_top_k(&scores, k), all[..k].to_vec(), "k = {k}");
        }
    }
}
