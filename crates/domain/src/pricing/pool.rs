//! A capacity pool: one instance type in one availability zone.

use std::fmt;

/// Why a pool id was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("pool id {0:?} must look like <instance-type>.<availability-zone>, e.g. m5.large.us-east-1a")]
    Malformed(String),
}

/// `<instance-type>.<az>`, e.g. `m5.large.us-east-1a` (the type itself
/// contains a dot, so the AZ is what follows the last one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoolId {
    id: String,
    split: usize,
}

impl PoolId {
    /// Parses and validates a pool id.
    pub fn parse(raw: &str) -> Result<Self, PoolError> {
        let bad = || PoolError::Malformed(raw.to_owned());
        let split = raw.rfind('.').ok_or_else(bad)?;
        let (ty, az) = (&raw[..split], &raw[split + 1..]);
        let az_ok = az.len() >= 4
            && az.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && az.ends_with(|c: char| c.is_ascii_lowercase())
            && az[..az.len() - 1].ends_with(|c: char| c.is_ascii_digit());
        let ty_ok = !ty.is_empty()
            && ty.len() <= 64
            && ty.contains('.')
            && ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !az_ok || !ty_ok {
            return Err(bad());
        }
        Ok(Self { id: raw.to_owned(), split })
    }

    /// From its parts.
    pub fn new(instance_type: &str, az: &str) -> Result<Self, PoolError> {
        Self::parse(&format!("{instance_type}.{az}"))
    }

    pub fn as_str(&self) -> &str {
        &self.id
    }

    pub fn instance_type(&self) -> &str {
        &self.id[..self.split]
    }

    pub fn az(&self) -> &str {
        &self.id[self.split + 1..]
    }

    /// The region: the AZ without its zone letter (`us-east-1a` -> `us-east-1`).
    pub fn region(&self) -> &str {
        let az = self.az();
        &az[..az.len() - 1]
    }
}

impl fmt::Display for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn splits_on_the_last_dot() {
        let p = PoolId::parse("m5.large.us-east-1a").unwrap();
        assert_eq!(p.instance_type(), "m5.large");
        assert_eq!(p.az(), "us-east-1a");
        assert_eq!(p.region(), "us-east-1");
        assert_eq!(p.to_string(), "m5.large.us-east-1a");
        assert_eq!(PoolId::new("c6g.2xlarge", "eu-west-3c").unwrap().region(), "eu-west-3");
    }

    #[test]
    fn rejects_malformed_ids() {
        for raw in [
            "",
            "m5",
            "m5.large",
            "us-east-1a",
            ".us-east-1a",
            "m5.large.US-EAST-1A",
            "m5 large.us-east-1a",
            "m5.large.us-east-1",
        ] {
            assert!(PoolId::parse(raw).is_err(), "{raw:?} accepted");
        }
    }
}
