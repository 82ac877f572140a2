//! Identifiers parsed once at the edge, so the rest of the code never sees an
//! unchecked string.

use std::fmt;
use uuid::Uuid;

/// Why an identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not a UUID.
    #[error("{field} is not a valid UUID")]
    NotUuid { field: &'static str },
    /// Empty after trimming.
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    /// Longer than allowed.
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
}

macro_rules! uuid_id {
    ($name:ident, $field:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            /// A new time-ordered (v7) id.
            pub fn new_v7() -> Self {
                Self(Uuid::now_v7())
            }
            /// Parses the textual form.
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                Uuid::parse_str(raw.trim()).map(Self).map_err(|_| IdError::NotUuid { field: $field })
            }
            /// The inner UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(AgentId, "agent_id", "One agent process on one instance; minted at every registration.");
uuid_id!(ClientId, "client_id", "A tenant (client) of the control plane.");

/// The group key chosen by the customer (`logical_agent_id`): stable across
/// reinstalls and switches, unlike the agent id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogicalAgentId(String);

impl LogicalAgentId {
    /// Longest accepted value.
    pub const MAX_LEN: usize = 255;

    /// Trims and checks the value.
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(IdError::Empty { field: "logical_agent_id" });
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(IdError::TooLong { field: "logical_agent_id", max: Self::MAX_LEN });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The textual value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_parse_and_reject() {
        let id = AgentId::new_v7();
        assert_eq!(AgentId::parse(&id.to_string()), Ok(id));
        assert_eq!(AgentId::parse("nope"), Err(IdError::NotUuid { field: "agent_id" }));
        assert_eq!(ClientId::parse(""), Err(IdError::NotUuid { field: "client_id" }));
    }

    #[test]
    fn logical_agent_id_is_trimmed_and_bounded() {
        assert_eq!(LogicalAgentId::parse("  i-1 ").map(|l| l.as_str().to_owned()), Ok("i-1".to_owned()));
        assert_eq!(LogicalAgentId::parse("   "), Err(IdError::Empty { field: "logical_agent_id" }));
        let long = "x".repeat(256);
        assert!(matches!(LogicalAgentId::parse(&long), Err(IdError::TooLong { .. })));
    }
}
