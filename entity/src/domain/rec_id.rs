//! A served answer's id (`rec_id`): a time-ordered 63-bit number that is also the key of
//! its `impressions` row.
//!
//! Why a number and not a UUID: the key that clicks look an answer up by is then the row's
//! primary key, and since it counts up with time it also serves the reads by time (a day's
//! impressions, the preflight's recent answers), so the table needs no other index. A UUID
//! key with a time index cost about 200 bytes an answer in the two indexes alone.
//!
//! Layout, from the top bit down: a zero sign bit; 41 bits of milliseconds since
//! [`EPOCH_MS`] (to the year 2089); 10 bits of the process that served it (its *node*, so
//! app and worker processes never hand out the same id); 12 bits counting the ids a process
//! hands out within one millisecond.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeZone, Utc};

/// 2020-01-01T00:00:00Z in Unix milliseconds: where the ids' clock starts.
pub const EPOCH_MS: i64 = 1_577_836_800_000;
/// Bits of the node (the serving process).
const NODE_BITS: u32 = 10;
/// Bits counting ids within one millisecond.
const SEQUENCE_BITS: u32 = 12;
/// How far the milliseconds are shifted.
const TIME_SHIFT: u32 = NODE_BITS + SEQUENCE_BITS;
/// Nodes there are: a process's node is its registration number modulo this.
pub const NODES: i64 = 1 << NODE_BITS;
const SEQUENCE_MASK: i64 = (1 << SEQUENCE_BITS) - 1;
/// The last millisecond the layout holds.
const MAX_MS: i64 = (1 << (63 - TIME_SHIFT)) - 1;

/// A served answer's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecId(i64);

impl RecId {
    /// The id of the `sequence`th answer node `node` served in the millisecond of `at`
    /// (times before [`EPOCH_MS`] count as the epoch; node and sequence are taken modulo
    /// their ranges).
    #[must_use]
    pub fn new(at: DateTime<Utc>, node: i64, sequence: i64) -> Self {
        Self::compose(millis(at), node, sequence)
    }

    fn compose(ms: i64, node: i64, sequence: i64) -> Self {
        Self(
            (ms.clamp(0, MAX_MS) << TIME_SHIFT)
                | (node.rem_euclid(NODES) << SEQUENCE_BITS)
                | sequence.rem_euclid(SEQUENCE_MASK + 1),
        )
    }

    /// The smallest id of an answer served at or after `at`: the lower bound of a read by
    /// time.
    #[must_use]
    pub fn first_at(at: DateTime<Utc>) -> i64 {
        Self::compose(millis(at), 0, 0).0
    }

    /// The id a stored row key holds, if it is one (a non-negative number).
    #[must_use]
    pub const fn from_key(key: i64) -> Option<Self> {
        if key >= 0 { Some(Self(key)) } else { None }
    }

    /// The row key.
    #[must_use]
    pub const fn key(self) -> i64 {
        self.0
    }

    /// When the answer was served, to the millisecond.
    #[must_use]
    pub fn served_at(self) -> DateTime<Utc> {
        let ms = (self.0 >> TIME_SHIFT) + EPOCH_MS;
        Utc.timestamp_millis_opt(ms)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// A well-mixed 64-bit seed for the answer's exploration draws (splitmix64), so a
    /// logged answer can be drawn again from its id alone.
    #[must_use]
    pub const fn seed(self) -> u64 {
        #[expect(
            clippy::cast_sign_loss,
            reason = "bits reinterpreted, ids are positive"
        )]
        let mut z = (self.0 as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Parses the decimal form clicks carry back; anything else (a UUID of an older answer,
    /// an email's derived id) is not a served id.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().and_then(Self::from_key)
    }
}

impl fmt::Display for RecId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A string in JSON: JavaScript numbers lose precision above 2^53.
impl serde::Serialize for RecId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis().saturating_sub(EPOCH_MS)
}

/// Hands out one process's ids: unique within the process, and across processes while
/// their nodes differ. Lock-free, a compare-and-swap per id.
#[derive(Debug)]
pub struct RecIds {
    node: i64,
    /// The last id handed out.
    last: AtomicI64,
}

impl RecIds {
    /// The ids of node `node` (taken modulo [`NODES`]).
    #[must_use]
    pub const fn for_node(node: i64) -> Self {
        Self {
            node: node.rem_euclid(NODES),
            last: AtomicI64::new(-1),
        }
    }

    /// The process's node.
    #[must_use]
    pub const fn node(&self) -> i64 {
        self.node
    }

    /// A new id for an answer served at `now`. Ids only grow: when the clock steps back, or
    /// a millisecond's 4,096 ids are spent, the id takes the last one's millisecond (or the
    /// next), so it may read up to that much later than `now`.
    pub fn next(&self, now: DateTime<Utc>) -> RecId {
        let wanted = RecId::compose(millis(now), self.node, 0).0;
        let after = |last: i64| {
            if wanted > last {
                wanted
            } else if last & SEQUENCE_MASK < SEQUENCE_MASK {
                last + 1
            } else {
                RecId::compose((last >> TIME_SHIFT) + 1, self.node, 0).0
            }
        };
        let previous = self
            .last
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
                Some(after(last))
            })
            .unwrap_or_else(|last| last);
        RecId(after(previous))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use proptest::prelude::*;

    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(EPOCH_MS + ms).single().unwrap()
    }

    #[test]
    fn an_id_reads_back_its_time_and_prints_as_it_parses() {
        let now =
            Utc.with_ymd_and_hms(2026, 12, 5, 10, 30, 0).unwrap() + Duration::milliseconds(123);
        let id = RecIds::for_node(7).next(now);
        assert_eq!(id.served_at(), now);
        assert_eq!(RecId::parse(&id.to_string()), Some(id));
        assert!(id.key() > 0);
    }

    #[test]
    fn ids_count_up_within_a_millisecond_and_past_a_full_one() {
        let ids = RecIds::for_node(1);
        let first = ids.next(at(5));
        let second = ids.next(at(5));
        assert_eq!(second.key(), first.key() + 1);
        for _ in 0..SEQUENCE_MASK {
            ids.next(at(5));
        }
        // 4,097 ids in one millisecond: the last borrows the next millisecond, same node.
        let spilled = ids.next(at(5));
        assert_eq!(spilled.served_at(), at(6));
        assert_eq!((spilled.key() >> SEQUENCE_BITS) & (NODES - 1), 1);
    }

    #[test]
    fn a_clock_stepping_back_never_repeats_an_id() {
        let ids = RecIds::for_node(3);
        let late = ids.next(at(10_000));
        let early = ids.next(at(9_000));
        assert!(early > late);
        assert_eq!(early.served_at(), at(10_000));
    }

    #[test]
    fn nodes_never_share_an_id() {
        let (a, b) = (RecIds::for_node(1), RecIds::for_node(2));
        assert_ne!(a.next(at(1)), b.next(at(1)));
        assert_eq!(RecIds::for_node(NODES + 2).node(), 2);
    }

    #[test]
    fn the_first_id_at_a_time_bounds_every_later_one() {
        let ids = RecIds::for_node(NODES - 1);
        let before = ids.next(at(99));
        let bound = RecId::first_at(at(100));
        let after = ids.next(at(100));
        assert!(before.key() < bound && bound <= after.key());
        // Before the epoch, the bound is the first id there is.
        assert_eq!(RecId::first_at(at(-5)), 0);
    }

    #[test]
    fn only_plain_decimals_parse() {
        for text in [
            "",
            "-5",
            "12a",
            "6d6b5b9e-0c0e-4b47-9a43-5d1a3e9b1f00",
            "em_abc",
            "99999999999999999999",
        ] {
            assert_eq!(RecId::parse(text), None, "{text}");
        }
    }

    proptest! {
        #[test]
        fn any_time_node_and_sequence_round_trip(ms in 0..MAX_MS, node in 0..NODES, seq in 0..=SEQUENCE_MASK) {
            let id = RecId::compose(ms, node, seq);
            prop_assert_eq!(id.served_at(), at(ms));
            prop_assert_eq!(RecId::parse(&id.to_string()), Some(id));
            prop_assert!(RecId::first_at(at(ms)) <= id.key());
            prop_assert!(id.key() < RecId::first_at(at(ms + 1)) || ms == MAX_MS);
        }
    }
}
