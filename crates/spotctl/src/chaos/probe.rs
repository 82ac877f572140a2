//! The prober: one registered v4 agent of its own that heartbeats through
//! the gateways' proxy every 100 ms with a timeout longer than the
//! gateway's own (20 s request timeout), and records how each call ended.
//! A fault window then says what a client saw: answers, 503 with and
//! without `Retry-After`, other 5xx (a defect), connections cut (the
//! replica it talked to died) and hangs past the gateway's timeout.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Longer than the gateway's request timeout, so a call that takes it has hung.
const HANG: Duration = Duration::from_secs(25);

/// How one call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// 503 with a `Retry-After` header: the documented refusal.
    Refused,
    /// 503 without `Retry-After`.
    RefusedBare,
    /// 429 (rate limited; not expected from one agent).
    Limited,
    /// Any other status >= 500.
    ServerError(u16),
    /// Any other 4xx (e.g. the agent forgotten: a defect here).
    ClientError(u16),
    /// Connection refused or reset before an answer.
    Cut,
    /// No answer within [`HANG`].
    Hung,
}

/// One call: when it started, how long it took, how it ended.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub at: Instant,
    pub took: Duration,
    pub outcome: Outcome,
}

/// Counts of one window.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    pub calls: u64,
    pub ok: u64,
    pub refused: u64,
    pub refused_bare: u64,
    pub limited: u64,
    pub server_errors: u64,
    pub client_errors: u64,
    pub cut: u64,
    pub hung: u64,
    pub slowest: Duration,
    /// From the window's start to the first answer after the last failure.
    pub back_after: Option<Duration>,
}

impl Tally {
    /// Counts the samples that started in `[from, to)`.
    pub fn of(samples: &[Sample], from: Instant, to: Instant) -> Self {
        let mut t = Tally::default();
        let mut last_bad: Option<Instant> = None;
        let mut first_ok_after: Option<Instant> = None;
        for s in samples.iter().filter(|s| s.at >= from && s.at < to) {
            t.calls += 1;
            t.slowest = t.slowest.max(s.took);
            match s.outcome {
                Outcome::Ok => t.ok += 1,
                Outcome::Refused => t.refused += 1,
                Outcome::RefusedBare => t.refused_bare += 1,
                Outcome::Limited => t.limited += 1,
                Outcome::ServerError(_) => t.server_errors += 1,
                Outcome::ClientError(_) => t.client_errors += 1,
                Outcome::Cut => t.cut += 1,
                Outcome::Hung => t.hung += 1,
            }
            if s.outcome == Outcome::Ok {
                if last_bad.is_some() && first_ok_after.is_none() {
                    first_ok_after = Some(s.at);
                }
            } else {
                last_bad = Some(s.at);
                first_ok_after = None;
            }
        }
        t.back_after = match (last_bad, first_ok_after) {
            (None, _) => Some(Duration::ZERO),
            (Some(_), Some(ok)) => Some(ok.saturating_duration_since(from)),
            (Some(_), None) => None,
        };
        t
    }
}

/// Classifies an HTTP answer.
pub fn classify(status: u16, retry_after: bool) -> Outcome {
    match status {
        200..=299 => Outcome::Ok,
        503 if retry_after => Outcome::Refused,
        503 => Outcome::RefusedBare,
        429 => Outcome::Limited,
        s if s >= 500 => Outcome::ServerError(s),
        s => Outcome::ClientError(s),
    }
}

/// A running prober.
#[derive(Debug)]
pub struct Prober {
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: CancellationToken,
}

impl Prober {
    /// Registers an agent for `token` through `base` and starts heartbeating.
    pub async fn start(base: &str, token: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(HANG).pool_max_idle_per_host(4).build()?;
        let registered: serde_json::Value = http
            .post(format!("{base}/api/agents/register"))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "client_token": token, "hostname": "chaos-probe", "instance_id": "i-0c4a05000000000ff",
                "instance_type": "t3.medium", "region": "us-east-1", "az": "us-east-1c",
                "ami_id": "ami-0c4a0500000000000", "agent_version": "4.0.0",
                "logical_agent_id": "chaos-probe", "mode": "spot", "private_ip": "10.9.9.9", "public_ip": null
            }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let agent = registered
            .get("agent_id")
            .and_then(|v| v.as_str())
            .ok_or_else(|| anyhow::anyhow!("register answered without agent_id: {registered}"))?
            .to_owned();
        let url = format!("{base}/api/agents/{agent}/heartbeat");
        let body = serde_json::json!({
            "status": "online", "monitored_instances": ["i-0c4a05000000000ff"],
            "instance_id": "i-0c4a05000000000ff", "instance_type": "t3.medium", "mode": "spot", "az": "us-east-1c"
        });
        let samples = Arc::new(Mutex::new(Vec::new()));
        let stop = CancellationToken::new();
        let (out, halt, token) = (samples.clone(), stop.clone(), token.to_owned());
        tokio::spawn(async move {
            while !halt.is_cancelled() {
                let at = Instant::now();
                let outcome = match http.post(&url).bearer_auth(&token).json(&body).send().await {
                    Ok(r) => {
                        classify(r.status().as_u16(), r.headers().contains_key(reqwest::header::RETRY_AFTER))
                    }
                    Err(e) if e.is_timeout() => Outcome::Hung,
                    Err(_) => Outcome::Cut,
                };
                if let Ok(mut s) = out.lock() {
                    s.push(Sample { at, took: at.elapsed(), outcome });
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Ok(Self { samples, stop })
    }

    /// Every sample so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Prober {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn statuses_are_classified_as_a_client_sees_them() {
        assert_eq!(classify(200, false), Outcome::Ok);
        assert_eq!(classify(503, true), Outcome::Refused);
        assert_eq!(classify(503, false), Outcome::RefusedBare);
        assert_eq!(classify(500, true), Outcome::ServerError(500));
        assert_eq!(classify(404, false), Outcome::ClientError(404));
        assert_eq!(classify(429, true), Outcome::Limited);
    }

    #[test]
    fn a_window_counts_its_samples_and_when_answers_came_back() {
        let t0 = Instant::now();
        let s = |ms: u64, outcome| Sample {
            at: t0 + Duration::from_millis(ms),
            took: Duration::from_millis(5),
            outcome,
        };
        let samples = [
            s(0, Outcome::Ok),
            s(100, Outcome::Cut),
            s(200, Outcome::Refused),
            s(300, Outcome::Ok),
            s(400, Outcome::Ok),
        ];
        let t = Tally::of(&samples, t0 + Duration::from_millis(50), t0 + Duration::from_secs(1));
        assert_eq!((t.calls, t.ok, t.cut, t.refused), (4, 2, 1, 1));
        assert_eq!(t.back_after, Some(Duration::from_millis(250)));
        let clean = Tally::of(&samples[3..], t0, t0 + Duration::from_secs(1));
        assert_eq!(clean.back_after, Some(Duration::ZERO));
        let down = Tally::of(&samples[1..3], t0, t0 + Duration::from_secs(1));
        assert_eq!(down.back_after, None);
    }
}
