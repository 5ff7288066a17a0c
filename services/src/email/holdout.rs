//! The email holdout: a stable, salted split of profiles into treatment and holdout.

use sha2::{Digest, Sha256};

/// Which arm of the email holdout a profile is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arm {
    /// Gets the diversified list.
    Treatment,
    /// Gets the relevance-only list, or no block.
    Holdout,
}

impl Arm {
    /// The name stored and sent (`treatment`, `holdout`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Treatment => "treatment",
            Self::Holdout => "holdout",
        }
    }

    /// The arm stored as `name`; `None` for anything else.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Treatment, Self::Holdout]
            .into_iter()
            .find(|arm| arm.name() == name)
    }
}

/// The arm of `profile` in `shop_id` for a holdout of `share` (0 to 1) under `salt`.
///
/// A hash, not a random draw: the same profile lands in the same arm on every push and in
/// every process, and changing the salt reshuffles the arms.
#[must_use]
pub fn arm_of(salt: &str, shop_id: i64, profile: &str, share: f64) -> Arm {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(b"\0")
        .chain_update(shop_id.to_be_bytes())
        .chain_update(profile.as_bytes())
        .finalize();
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 53 bits: exactly representable, uniform in [0, 1).
    let unit = (u64::from_be_bytes(first) >> 11) as f64 / (1_u64 << 53) as f64;
    if unit < share.clamp(0.0, 1.0) {
        Arm::Holdout
    } else {
        Arm::Treatment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holdout_takes_about_its_share_and_never_moves() {
        let arms: Vec<Arm> = (0..10_000)
            .map(|i| arm_of("v1", 7, &format!("customer:{i}"), 0.2))
            .collect();
        let held = arms.iter().filter(|a| **a == Arm::Holdout).count();
        assert!((1_800..=2_200).contains(&held), "{held}");
        let again: Vec<Arm> = (0..10_000)
            .map(|i| arm_of("v1", 7, &format!("customer:{i}"), 0.2))
            .collect();
        assert_eq!(arms, again);
    }

    #[test]
    fn zero_share_holds_no_one_and_full_share_everyone() {
        assert_eq!(arm_of("s", 1, "customer:1", 0.0), Arm::Treatment);
        assert_eq!(arm_of("s", 1, "customer:1", 1.0), Arm::Holdout);
    }
}
