//! `spotctl simulate`: a seeded simulated fleet (spot-fleet-sim) against a
//! running gateway, with a progress line every second on stderr and a JSON
//! summary on stdout when stopped (Ctrl-C, SIGTERM or `--duration`). The
//! same fleet, with livelier clouds, is what `spotctl up --demo` runs.

use anyhow::Context as _;
use serde_json::{Value, json};
use spot_fleet_sim::cloud::CloudConfig;
use spot_fleet_sim::fleet::{Fleet, FleetConfig, FleetSnapshot};
use spot_platform::Shutdown;
use std::time::Duration;

/// What `spotctl simulate` runs.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Agents (one instance each) at the start.
    #[arg(long, default_value_t = 1000)]
    pub agents: usize,
    /// Tenants to create; agent i belongs to tenant i % T.
    #[arg(long, default_value_t = 1)]
    pub tenants: usize,
    /// Seed of the fleet, the prices and the interruptions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulation speed: 1 is real time, 60 runs a simulated minute per second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Gateway base URL.
    #[arg(long, env = "SPOT_API_URL", default_value = "http://127.0.0.1:8080")]
    pub api_url: String,
    /// Admin token, to create the tenants (not needed with --tenant-token).
    #[arg(long, env = "SPOT_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Use this existing tenant's token instead of creating tenants (repeatable).
    #[arg(long = "tenant-token", hide_env_values = true)]
    pub tenant_tokens: Vec<String>,
    /// Share of agents speaking the newer typed protocol (0..1); the rest are v4.
    #[arg(long, default_value_t = 0.0)]
    pub typed_share: f64,
    /// Registrations of the initial agents are spread over this (simulated) time, e.g. 30s or 2m.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub ramp_up: Duration,
    /// Stop after this (real) time instead of waiting for Ctrl-C, e.g. 90s or 10m.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Agent steps doing HTTP at once.
    #[arg(long, default_value_t = 256)]
    pub max_in_flight: usize,
}

/// Parses `90`, `90s`, `1500ms`, `10m` or `1h` (a bare number is seconds).
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("not a duration: {raw:?} (try 90s, 10m, 1h)"))?;
    let secs = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit {other:?} in {raw:?} (use ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{raw:?}: {e}"))
}

impl SimulateArgs {
    /// The fleet these arguments describe (v4 default intervals, default cloud).
    pub fn fleet_config(&self) -> FleetConfig {
        FleetConfig {
            agents: self.agents,
            tenants: self.tenants,
            seed: self.seed,
            speed: self.speed,
            base_url: self.api_url.clone(),
            admin_token: self.admin_token.clone(),
            tenant_tokens: self.tenant_tokens.clone(),
            typed_share: self.typed_share,
            ramp_up: self.ramp_up,
            max_in_flight: self.max_in_flight,
            connections: self.max_in_flight.clamp(8, 512),
            ..FleetConfig::default()
        }
    }
}

/// Runs the fleet until `stop` fires or `--duration` passes, printing
/// progress to stderr every second; stops gracefully (shutdown heartbeats)
/// and returns the JSON summary.
pub async fn run(args: &SimulateArgs, stop: Shutdown) -> anyhow::Result<Value> {
    let config = args.fleet_config();
    let fleet = Fleet::start(config).await.context("starting the fleet")?;
    eprintln!(
        "simulate: {} agents, {} tenant(s), seed {}, speed {}x against {}; Ctrl-C stops",
        args.agents,
        fleet.tenants().len(),
        args.seed,
        args.speed,
        args.api_url
    );
    let deadline = args.duration.map(|d| tokio::time::Instant::now() + d);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tick.tick().await;
    let mut last = fleet.snapshot();
    loop {
        tokio::select! {
            () = stop.wait() => break,
            () = sleep_until(deadline) => break,
            _ = tick.tick() => {
                let now = fleet.snapshot();
                eprintln!("{}", progress_line("simulate", &last, &now, args.agents));
                last = now;
            }
        }
    }
    eprintln!("simulate: stopping (shutdown heartbeats, calls in flight finish)");
    let last = fleet.shutdown(true).await.context("stopping the fleet")?;
    Ok(summary(args, &last))
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One progress line: agents online, requests/s, errors, interruptions,
/// switches, heartbeat latency over the window since `before`.
pub fn progress_line(label: &str, before: &FleetSnapshot, now: &FleetSnapshot, agents: usize) -> String {
    let (s, b) = (&now.stats, &before.stats);
    let window = (s.elapsed_secs - b.elapsed_secs).max(1e-9);
    let rps = s.requests.saturating_sub(b.requests) as f64 / window;
    let new_errors = s.errors.saturating_sub(b.errors);
    let heartbeat_p99 = s
        .window_since(b)
        .iter()
        .find(|e| e.endpoint == "heartbeat" && e.rps > 0.0)
        .map_or_else(|| "-".to_owned(), |e| format!("{:.1} ms", e.p99_ms));
    format!(
        "{label}: {:>6.0}s  online {}/{}  req/s {:>8.1}  errors {} (+{})  interruptions {} (mass {})  \
         switches {}  replicas {}  heartbeat p99 {}  in flight {}",
        s.elapsed_secs,
        s.agents_online,
        agents,
        rps,
        s.errors,
        new_errors,
        now.cloud.interruptions,
        now.cloud.mass_events,
        s.switches_completed,
        s.replicas_ready,
        heartbeat_p99,
        s.in_flight
    )
}

/// The final summary: the run's parameters and the fleet's numbers.
pub fn summary(args: &SimulateArgs, last: &FleetSnapshot) -> Value {
    json!({
        "simulate": {
            "agents": args.agents,
            "tenants": args.tenants,
            "seed": args.seed,
            "speed": args.speed,
        },
        "fleet": last,
    })
}

/// The demo fleet of `spotctl up --demo`: v4 agents at real time whose
/// clouds interrupt often enough to watch (about one interruption per
/// instance per few hours, plus one AZ reclaimed ten minutes in).
pub fn demo_config(agents: usize, base_url: &str, admin_token: &str) -> FleetConfig {
    FleetConfig {
        agents,
        tenants: 2,
        seed: 1,
        base_url: base_url.to_owned(),
        admin_token: Some(admin_token.to_owned()),
        tenant_name_prefix: "demo".to_owned(),
        ramp_up: Duration::from_secs(20),
        cloud: CloudConfig {
            interruption_rate_per_hour: (0.1, 0.6),
            mass_events: vec![spot_fleet_sim::cloud::MassEventSpec {
                az: "us-east-1c".to_owned(),
                at: Duration::from_secs(600),
            }],
            ..CloudConfig::default()
        },
        ..FleetConfig::default()
    }
}

/// Runs the demo fleet against `base_url` until `stop` fires: a progress
/// line every ten seconds, and every minute an operator's manual switch of
/// one PRIMARY (through the operator API, like a person would).
pub async fn demo(agents: usize, base_url: &str, admin_token: &str, stop: Shutdown) -> anyhow::Result<()> {
    let fleet = Fleet::start(demo_config(agents, base_url, admin_token)).await.context("demo fleet")?;
    eprintln!("spotctl up: demo fleet of {agents} simulated v4 agents registering over 20 s");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut progress = tokio::time::interval(Duration::from_secs(10));
    progress.tick().await;
    // The first switch once the fleet is up, then one a minute.
    let first = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut switches = tokio::time::interval_at(first, Duration::from_secs(60));
    let mut last = fleet.snapshot();
    let mut issued = 0u64;
    loop {
        tokio::select! {
            () = stop.wait() => break,
            _ = progress.tick() => {
                let now = fleet.snapshot();
                eprintln!("{}", progress_line("demo", &last, &now, agents));
                last = now;
            }
            _ = switches.tick() => {
                let token = fleet.tenants().get(issued as usize % fleet.tenants().len().max(1));
                if let Some(token) = token.map(|t| t.token.clone()) {
                    issued += 1;
                    match demo_switch(&http, base_url, &token, issued).await {
                        Ok(Some(line)) => eprintln!("demo: {line}"),
                        Ok(None) => {}
                        Err(e) => eprintln!("demo: manual switch not issued: {e:#}"),
                    }
                }
            }
        }
    }
    let last = fleet.shutdown(true).await.context("stopping the demo fleet")?;
    eprintln!(
        "demo: fleet stopped after {} requests ({} errors), {} switches, {} interruptions",
        last.stats.requests, last.stats.errors, last.stats.switches_completed, last.cloud.interruptions
    );
    // Let lifecycle apply the shutdown heartbeats before the stack drains.
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(())
}

/// Picks an online PRIMARY of the tenant and queues a switch to on-demand.
async fn demo_switch(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    n: u64,
) -> anyhow::Result<Option<String>> {
    let page: Value = http
        .get(format!("{base}/api/agents?limit=200&status=online"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let items = page["items"].as_array().map(Vec::as_slice).unwrap_or_default();
    let primaries: Vec<&Value> = items.iter().filter(|a| a["enabled"] == json!(true)).collect();
    let Some(agent) = primaries.get(n as usize * 7 % primaries.len().max(1)) else { return Ok(None) };
    let agent_id = agent["agent_id"].as_str().unwrap_or_default();
    let response = http
        .post(format!("{base}/api/agents/{agent_id}/issue-switch-command"))
        .bearer_auth(token)
        .header("X-Request-ID", format!("demo-switch-{n}"))
        .json(&json!({"target_mode": "ondemand"}))
        .send()
        .await?
        .error_for_status()?;
    let command: Value = response.json().await?;
    Ok(Some(format!(
        "operator switched {} ({}) to on-demand: command {}",
        agent["instance_id"].as_str().unwrap_or_default(),
        agent["logical_agent_id"].as_str().unwrap_or_default(),
        command["id"].as_str().unwrap_or_default()
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1500ms").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("-3s").is_err());
    }
}
