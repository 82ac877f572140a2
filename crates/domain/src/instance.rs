//! Instance attributes as agents report them.

/// How an instance is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceMode {
    /// A Spot instance.
    Spot,
    /// An on-demand instance.
    OnDemand,
}

/// The mode string was not one we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mode must be \"spot\" or \"ondemand\", got {0:?}")]
pub struct ModeError(pub String);

impl InstanceMode {
    /// Parses the agent's spelling; v4 sends `spot` or `ondemand`, and we also
    /// accept `on-demand` / `on_demand` from other tools.
    pub fn parse(raw: &str) -> Result<Self, ModeError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "spot" => Ok(Self::Spot),
            "ondemand" | "on-demand" | "on_demand" => Ok(Self::OnDemand),
            _ => Err(ModeError(raw.to_owned())),
        }
    }

    /// The v4 wire spelling.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Spot => "spot",
            Self::OnDemand => "ondemand",
        }
    }
}

display_as_str!(InstanceMode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        assert_eq!(InstanceMode::parse("spot"), Ok(InstanceMode::Spot));
        assert_eq!(InstanceMode::parse("ondemand"), Ok(InstanceMode::OnDemand));
        assert_eq!(InstanceMode::parse("On-Demand"), Ok(InstanceMode::OnDemand));
        assert!(InstanceMode::parse("reserved").is_err());
        assert_eq!(InstanceMode::OnDemand.to_string(), "ondemand");
    }
}
