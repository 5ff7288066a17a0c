//! Deterministic assignment and scope, without the database: a shopper's bucket is a salted
//! hash of their id, so every process (and every reload) puts them in the same arm; the
//! `experiment_assignments` row only records it (and carries it across devices, see
//! `assignment`). Two running experiments may not share any traffic: [`overlaps`].

use ranker::{Surface, TrafficSource};
use sha2::{Digest, Sha256};

use super::definition::{Arm, Definition, Identity, TOTAL_SHARE, Visitor};

/// Buckets per percent of traffic: shares are whole percents, buckets finer, so a salt
/// change reshuffles shoppers evenly.
const BUCKETS_PER_PERCENT: u64 = 100;

/// The subject a shopper is assigned as: the customer id when known (the same on every
/// device), else the browser's anonymous id; `None` when the request carries neither.
#[must_use]
pub fn subject(customer_id: Option<i64>, anonymous_id: Option<&str>) -> Option<String> {
    customer_id
        .map(|id| id.to_string())
        .or_else(|| anonymous_id.map(str::to_owned))
}

/// The bucket of `subject` under `salt`, in `0..10_000`.
#[must_use]
pub fn bucket(salt: &str, subject: &str) -> u64 {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update([0])
        .chain_update(subject.as_bytes())
        .finalize();
    let mut head = [0_u8; 8];
    head.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(head) % (u64::from(TOTAL_SHARE) * BUCKETS_PER_PERCENT)
}

/// The arm owning `bucket`: arms take consecutive ranges in their order, each as wide as its
/// share; `None` only if the shares do not cover the bucket (an invalid definition).
#[must_use]
pub fn arm_for(arms: &[Arm], bucket: u64) -> Option<&Arm> {
    let mut end = 0;
    arms.iter().find(|arm| {
        end += u64::from(arm.share) * BUCKETS_PER_PERCENT;
        bucket < end
    })
}

/// What serving knows about a request when it decides whether an experiment applies.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The surface served.
    pub surface: Surface,
    /// The modules asked for (`None`: all).
    pub modules: Option<&'a [String]>,
    /// What brought the shopper.
    pub source: TrafficSource,
    /// Whether a customer is logged in.
    pub customer: bool,
}

impl Definition {
    /// Whether the request is in scope, apart from new/returning (told only on first
    /// exposure, see `assignment`).
    #[must_use]
    pub fn covers(&self, request: &Request<'_>) -> bool {
        self.surface() == Some(request.surface)
            && self
                .module
                .as_ref()
                .is_none_or(|m| request.modules.is_none_or(|asked| asked.contains(m)))
            && self.source().is_none_or(|s| s == request.source)
            && match self.identity {
                Identity::All => true,
                Identity::Customer => request.customer,
                Identity::Anonymous => !request.customer,
            }
    }

    /// Whether a shopper who is (or is not) `returning` is in the visitor segment.
    #[must_use]
    pub fn admits(&self, returning: bool) -> bool {
        match self.visitor {
            Visitor::All => true,
            Visitor::New => !returning,
            Visitor::Returning => returning,
        }
    }
}

/// True when some request could fall into both experiments: same surface, and modules,
/// visitor, identity and traffic source each equal or "all" in one of them.
#[must_use]
pub fn overlaps(a: &Definition, b: &Definition) -> bool {
    fn meet<T: PartialEq>(x: Option<&T>, y: Option<&T>) -> bool {
        x.is_none() || y.is_none() || x == y
    }
    a.surface() == b.surface()
        && meet(a.module.as_ref(), b.module.as_ref())
        && meet(
            (a.visitor != Visitor::All).then_some(&a.visitor),
            (b.visitor != Visitor::All).then_some(&b.visitor),
        )
        && meet(
            (a.identity != Identity::All).then_some(&a.identity),
            (b.identity != Identity::All).then_some(&b.identity),
        )
        && meet(a.traffic_source.as_ref(), b.traffic_source.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::definition::ArmPolicy;
    use crate::experiments::definition::tests::{arm, definition};

    #[test]
    fn the_same_shopper_gets_the_same_bucket_and_another_salt_reshuffles() {
        assert_eq!(bucket("s1", "anon-1"), bucket("s1", "anon-1"));
        let moved = (0..1000)
            .filter(|i| {
                let id = format!("anon-{i}");
                bucket("s1", &id) / 5000 != bucket("s2", &id) / 5000
            })
            .count();
        // Independent halves disagree about half the time.
        assert!((400..600).contains(&moved), "{moved}");
    }

    #[test]
    fn arms_get_their_shares_of_shoppers() {
        let arms = [
            arm("a", 70, ArmPolicy::Current),
            arm("b", 20, ArmPolicy::RelevanceOnly),
            arm("c", 10, ArmPolicy::NoModule),
        ];
        let mut counts = [0_u32; 3];
        for i in 0..20_000 {
            let found = arm_for(&arms, bucket("salt", &format!("shopper-{i}")));
            let index = arms.iter().position(|a| Some(a) == found).unwrap_or(0);
            counts[index] += 1;
        }
        for (count, expected) in counts.into_iter().zip([14_000, 4_000, 2_000]) {
            assert!(count.abs_diff(expected) < 300, "{counts:?}");
        }
        assert_eq!(arm_for(&arms[..1], 9_999), None);
    }

    #[test]
    fn the_customer_id_is_the_subject_once_known() {
        assert_eq!(subject(Some(42), Some("anon")).as_deref(), Some("42"));
        assert_eq!(subject(None, Some("anon")).as_deref(), Some("anon"));
        assert_eq!(subject(None, None), None);
    }

    #[test]
    fn scope_follows_surface_module_source_and_identity() {
        let mut d = definition();
        d.module = Some("similar_items".into());
        d.identity = Identity::Customer;
        let asked = ["you_may_also_like".to_owned()];
        let request = Request {
            surface: Surface::Product,
            modules: None,
            source: TrafficSource::Email,
            customer: true,
        };
        assert!(d.covers(&request));
        assert!(!d.covers(&Request {
            customer: false,
            ..request
        }));
        assert!(!d.covers(&Request {
            modules: Some(&asked),
            ..request
        }));
        assert!(!d.covers(&Request {
            surface: Surface::Cart,
            ..request
        }));
        d.traffic_source = Some("paid".into());
        assert!(!d.covers(&request));
        d.visitor = Visitor::New;
        assert!(d.admits(false) && !d.admits(true));
    }

    #[test]
    fn experiments_overlap_unless_some_scope_separates_them() {
        let a = definition();
        let mut b = definition();
        assert!(overlaps(&a, &b));
        b.traffic_source = Some("email".into());
        assert!(overlaps(&a, &b), "all sources include email");
        let mut c = b.clone();
        c.traffic_source = Some("paid".into());
        assert!(!overlaps(&b, &c));
        c.traffic_source = Some("email".into());
        c.visitor = Visitor::New;
        b.visitor = Visitor::Returning;
        assert!(!overlaps(&b, &c));
        c.visitor = Visitor::Returning;
        c.surface = "cart".into();
        assert!(!overlaps(&b, &c));
    }
}
