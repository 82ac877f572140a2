//! The faults of the suite and their schedule (docs/HARDENING.md "Fault
//! suite"). A fault is applied, held, then undone; the suite measures
//! from its start until every replica is ready again.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `kill -9` of replica 0 of each named service at once; restarted after the hold.
    Kill(Vec<String>),
    /// nats-server killed and started again on the same store after the hold.
    NatsRestart,
    /// Postgres stopped (`pg_ctl -m fast`: every session cut) and started after the hold.
    PostgresRestart,
    /// SIGSTOP of replica 0 of a service, SIGCONT after the hold.
    Pause(String),
    /// The file system of the NATS store filled to the last byte; after the
    /// hold it is emptied and nats-server restarted (JetStream disables
    /// itself after a failed write and stays off until a restart, which is
    /// what an operator or a liveness probe does; docs/HARDENING.md).
    NatsDiskFull,
}

/// Services a fault may name.
pub const SERVICE_NAMES: [&str; 5] = ["lifecycle", "pricing", "emergency", "gateway", "decisions"];

impl Fault {
    /// How long the fault lasts before it is undone.
    pub fn hold(&self, pause: Duration) -> Duration {
        match self {
            Fault::Kill(_) => Duration::from_secs(3),
            Fault::NatsRestart | Fault::PostgresRestart => Duration::from_secs(5),
            Fault::NatsDiskFull => Duration::from_secs(10),
            Fault::Pause(_) => pause,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Kill(s) => write!(f, "kill:{}", s.join("+")),
            Fault::NatsRestart => f.write_str("nats"),
            Fault::PostgresRestart => f.write_str("postgres"),
            Fault::Pause(s) => write!(f, "pause:{s}"),
            Fault::NatsDiskFull => f.write_str("nats-disk"),
        }
    }
}

/// Why a fault name was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FaultParseError {
    #[error("unknown fault {0:?} (kill:<svc>[+<svc>], pause:<svc>, nats, nats-disk, postgres)")]
    Unknown(String),
    #[error("unknown service {0:?} (lifecycle, pricing, emergency, gateway, decisions)")]
    Service(String),
}

fn service(name: &str) -> Result<String, FaultParseError> {
    SERVICE_NAMES
        .contains(&name)
        .then(|| name.to_owned())
        .ok_or_else(|| FaultParseError::Service(name.to_owned()))
}

impl FromStr for Fault {
    type Err = FaultParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None if s == "nats" => Ok(Fault::NatsRestart),
            None if s == "postgres" => Ok(Fault::PostgresRestart),
            None if s == "nats-disk" => Ok(Fault::NatsDiskFull),
            Some(("kill", list)) => Ok(Fault::Kill(list.split('+').map(service).collect::<Result<_, _>>()?)),
            Some(("pause", one)) => Ok(Fault::Pause(service(one)?)),
            _ => Err(FaultParseError::Unknown(s.to_owned())),
        }
    }
}

/// The full schedule (`make chaos`): every service killed in turn, two at
/// once, NATS and Postgres restarted, two processes paused, the NATS store's
/// disk full (needs root for its tmpfs).
pub fn full() -> Vec<Fault> {
    let mut out: Vec<Fault> = SERVICE_NAMES.iter().map(|s| Fault::Kill(vec![(*s).to_owned()])).collect();
    out.push(Fault::Kill(vec!["lifecycle".into(), "emergency".into()]));
    out.push(Fault::Kill(vec!["gateway".into(), "pricing".into()]));
    out.push(Fault::NatsRestart);
    out.push(Fault::PostgresRestart);
    out.push(Fault::Pause("lifecycle".into()));
    out.push(Fault::Pause("emergency".into()));
    out.push(Fault::NatsDiskFull);
    out
}

/// The reduced schedule `make test` runs: one of each kind.
pub fn reduced() -> Vec<Fault> {
    vec![
        Fault::Kill(vec!["lifecycle".into(), "gateway".into()]),
        Fault::NatsRestart,
        Fault::PostgresRestart,
        Fault::Pause("emergency".into()),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_round_trip_and_bad_ones_are_refused() {
        for f in full().into_iter().chain(reduced()) {
            assert_eq!(f.to_string().parse::<Fault>().unwrap(), f);
        }
        assert_eq!("kill:nope".parse::<Fault>(), Err(FaultParseError::Service("nope".into())));
        assert_eq!("reboot".parse::<Fault>(), Err(FaultParseError::Unknown("reboot".into())));
        assert_eq!("pause:".parse::<Fault>(), Err(FaultParseError::Service(String::new())));
    }
}
