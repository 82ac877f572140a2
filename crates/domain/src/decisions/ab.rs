//! A/B arms. A group's arm depends only on its id (FNV-1a over the UUID's
//! bytes, modulo 10,000), so it never changes between evaluations, restarts
//! or replicas, and a share of `s` basis points sends about `s / 100` % of
//! the groups to arm B.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    A,
    B,
}

impl Arm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
        }
    }
}

/// The group's bucket in `0..10_000`.
pub fn stable_bucket(group: Uuid) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in group.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // The remainder is below 10,000, so it always fits.
    u32::try_from(h % 10_000).unwrap_or(0)
}

/// Arm B when the bucket falls below `share_b_bp` (0..=10,000).
pub fn choose_arm(group: Uuid, share_b_bp: u32) -> Arm {
    if stable_bucket(group) < share_b_bp.min(10_000) { Arm::B } else { Arm::A }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_is_stable_and_shares_are_respected() {
        let groups: Vec<Uuid> = (0..20_000u128).map(|i| Uuid::from_u128(i * 7_919 + 13)).collect();
        for g in &groups[..100] {
            assert_eq!(choose_arm(*g, 3_000), choose_arm(*g, 3_000));
        }
        let b = groups.iter().filter(|g| choose_arm(**g, 3_000) == Arm::B).count();
        let share = b as f64 / groups.len() as f64;
        assert!((0.27..0.33).contains(&share), "share {share}");
        assert!(groups.iter().all(|g| choose_arm(*g, 0) == Arm::A));
        assert!(groups.iter().all(|g| choose_arm(*g, 10_000) == Arm::B));
        assert!(groups.iter().all(|g| choose_arm(*g, 50_000) == Arm::B));
    }

    #[test]
    fn raising_the_share_only_moves_groups_from_a_to_b() {
        for i in 0..2_000u128 {
            let g = Uuid::from_u128(i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            if choose_arm(g, 2_000) == Arm::B {
                assert_eq!(choose_arm(g, 5_000), Arm::B);
            }
        }
    }
}
