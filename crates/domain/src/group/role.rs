//! The role an instance plays inside its group.

use std::fmt;

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
    /// Database and API spelling.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Primary => "PRIMARY",
            Self::Replica => "REPLICA",
            Self::Zombie => "ZOMBIE",
            Self::Terminated => "TERMINATED",
        }
    }

    /// Parses the database spelling; case-insensitive because older agents
    /// and hand-written SQL use lowercase.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "PRIMARY" => Some(Self::Primary),
            "REPLICA" => Some(Self::Replica),
            "ZOMBIE" => Some(Self::Zombie),
            "TERMINATED" => Some(Self::Terminated),
            _ => None,
        }
    }

    /// True for the roles whose instance is still part of the running group.
    pub const fn is_live(&self) -> bool {
        matches!(self, Self::Primary | Self::Replica)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Role; 4] = [Role::Primary, Role::Replica, Role::Zombie, Role::Terminated];

    #[test]
    fn round_trips_every_role() {
        for role in ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(Role::parse(&role.as_str().to_ascii_lowercase()), Some(role));
            assert_eq!(role.to_string(), role.as_str());
        }
        assert_eq!(Role::parse("Primary"), Some(Role::Primary));
        assert_eq!(Role::parse("leader"), None);
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn only_primary_and_replica_are_live() {
        let live: Vec<Role> = ALL.into_iter().filter(Role::is_live).collect();
        assert_eq!(live, vec![Role::Primary, Role::Replica]);
    }
}
