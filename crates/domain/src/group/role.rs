//! The role an instance plays inside its group.

/// Role of one instance. A group with any instance has exactly one PRIMARY;
/// the others are standbys or on their way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Serves traffic; its agent is the only enabled one.
    Primary,
    /// Passive standby that can be promoted.
    Replica,
    /// Former primary kept alive for a grace period after a switch, so a
    /// failed cut-over can still fall back to it.
    Zombie,
    /// Gone for good; never changes role again.
    Terminated,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Self::Primary, Self::Replica, Self::Zombie, Self::Terminated];

    /// Database and API spelling.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Primary => "PRIMARY",
            Self::Replica => "REPLICA",
            Self::Zombie => "ZOMBIE",
            Self::Terminated => "TERMINATED",
        }
    }

    /// True for the roles whose instance is still part of the running group.
    pub const fn is_live(&self) -> bool {
        matches!(self, Self::Primary | Self::Replica)
    }
}

spelled!(Role);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::lifecycle_checks::round_trips;

    #[test]
    fn round_trips_every_role() {
        let spelled = ["PRIMARY", "REPLICA", "ZOMBIE", "TERMINATED"];
        round_trips(&Role::ALL, &spelled, Role::as_str, Role::parse);
        assert_eq!(Role::parse("Primary"), Some(Role::Primary));
        assert_eq!(Role::parse("leader"), None);
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn only_primary_and_replica_are_live() {
        let live: Vec<Role> = Role::ALL.into_iter().filter(Role::is_live).collect();
        assert_eq!(live, vec![Role::Primary, Role::Replica]);
    }
}
