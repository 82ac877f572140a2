//! The suite's run: set-up, the fault schedule, the ledger and the verdict.

use super::disk::SmallDisk;
use super::faults::{self, Fault};
use super::ledger;
use super::postgres::PgCluster;
use super::probe::{Prober, Tally};
use super::replicas::{REPLICAS, Replicas};
use crate::bench::Report;
use crate::bench::procs;
use crate::simulate::parse_duration;
use crate::sql::count;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use spot_fleet_sim::agent::Behaviour;
use spot_fleet_sim::cloud::CloudConfig;
use spot_fleet_sim::fleet::{Fleet, FleetConfig, create_tenant};
use spot_fleet_sim::stats::StatsSnapshot;
use spot_testkit::TestNats;
use spot_testkit::primaries::PrimaryWatch;
use std::time::{Duration, Instant};

/// Sizes and schedule of a run.
#[derive(Debug, Clone, clap::Args)]
pub struct ChaosArgs {
    /// Simulated v4 agents.
    #[arg(long, default_value_t = 1000)]
    pub agents: usize,
    /// Faults in order, comma separated: kill:<svc>[+<svc>], pause:<svc>, nats, nats-disk, postgres
    /// (default: every service killed in turn, two pairs at once, nats, postgres, two pauses,
    /// nats-disk).
    #[arg(long, value_delimiter = ',')]
    pub faults: Vec<Fault>,
    /// The short schedule `make test` runs (one fault of each kind).
    #[arg(long)]
    pub reduced: bool,
    /// How long a paused process stays stopped.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub pause: Duration,
    /// Normal running after each recovery, inside the fault's window.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub settle: Duration,
    /// Termination notices per instance and hour (the fleet keeps failing over throughout).
    #[arg(long, default_value_t = 2.0)]
    pub interruptions_per_hour: f64,
    /// Seed of the fleet.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory of the spot-<service> binaries (default: next to this spotctl).
    #[arg(long)]
    pub bin_dir: Option<std::path::PathBuf>,
}

/// The report and the targets it missed (empty: passed).
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    pub missed: Vec<String>,
}

/// Everything running during a run.
struct Rig<'a> {
    pg: &'a PgCluster,
    nats: TestNats,
    replicas: Replicas,
    db: DatabaseConnection,
    http: reqwest::Client,
    /// The NATS store's own small file system, for the `nats-disk` fault
    /// (declared after `nats`, so it is unmounted after the server stopped).
    disk: Option<SmallDisk>,
}

/// Runs the suite.
pub async fn run(args: &ChaosArgs) -> anyhow::Result<Outcome> {
    let schedule = match (args.faults.is_empty(), args.reduced) {
        (false, _) => args.faults.clone(),
        (true, true) => faults::reduced(),
        (true, false) => faults::full(),
    };
    let dir = match &args.bin_dir {
        Some(d) => d.clone(),
        None => procs::binary_dir()?,
    };
    let pg = PgCluster::start().await?;
    let outcome = set_up_and_drive(&pg, &dir, args, &schedule).await;
    // The private cluster goes whatever happened.
    pg.remove().await;
    outcome
}

async fn set_up_and_drive(
    pg: &PgCluster,
    dir: &std::path::Path,
    args: &ChaosArgs,
    schedule: &[Fault],
) -> anyhow::Result<Outcome> {
    let admin = Database::connect(pg.url("postgres").as_str()).await?;
    admin.execute_unprepared("CREATE DATABASE spot").await?;
    admin.close().await?;
    let disk = schedule.contains(&Fault::NatsDiskFull).then(SmallDisk::mount).transpose()?;
    let nats = match &disk {
        Some(d) => TestNats::start_in(d.path()).await?,
        None => TestNats::start().await?,
    };
    let admin_token = format!("chaos-{}", uuid::Uuid::new_v4().simple());
    let env: Vec<(String, String)> = [
        ("DATABASE_URL", pg.url("spot")),
        ("NATS_URL", nats.url.clone()),
        ("SPOT_ADMIN_TOKEN", admin_token.clone()),
        ("SPOT_DATABASE_MAX_CONNECTIONS", "10".into()),
        ("SPOT_LOG", std::env::var("SPOT_LOG").unwrap_or_else(|_| "warn".into())),
        ("SPOT_LOG_FORMAT", "json".into()),
        ("SPOT_SHUTDOWN_GRACE_SECS", "5".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let replicas = Replicas::start(dir, &env).await?;
    println!("chaos: {} replicas up, logs in {}", replicas.replicas.len(), replicas.log_dir.display());
    let db = Database::connect(pg.url("spot").as_str()).await?;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    let mut rig = Rig { pg, nats, replicas, db, http, disk };
    let outcome = drive(&mut rig, args, schedule, &admin_token).await;
    let _ = rig.db.close().await;
    rig.replicas.stop(Duration::from_secs(10)).await;
    outcome
}

async fn drive(
    rig: &mut Rig<'_>,
    args: &ChaosArgs,
    schedule: &[Fault],
    admin_token: &str,
) -> anyhow::Result<Outcome> {
    let base = rig.replicas.gateway.url();
    let http = reqwest::Client::new();
    let probe_tenant = create_tenant(&http, &base, admin_token, "chaos-probe", "probe@chaos.invalid").await?;
    let prober = Prober::start(&base, &probe_tenant.token).await?;
    let primaries = PrimaryWatch::start(rig.db.clone());
    let ramp = Duration::from_secs(30);
    let rate = args.interruptions_per_hour.max(0.0);
    let fleet = Fleet::start(FleetConfig {
        agents: args.agents,
        tenants: 2,
        seed: args.seed,
        base_url: base.clone(),
        admin_token: Some(admin_token.to_owned()),
        tenant_name_prefix: "chaos".into(),
        ramp_up: ramp,
        max_in_flight: 256,
        connections: 64,
        request_timeout: Duration::from_secs(30),
        // Pricing every minute, so reports cross every fault. No image before a
        // switch: 20-90 s of snapshot fit no 2-minute deadline, and a notice
        // missed for that would hide the ones a fault made miss.
        behaviour: Behaviour {
            pricing: Duration::from_secs(60),
            snapshot_on_switch: 0.0,
            ..Behaviour::default()
        },
        cloud: CloudConfig { interruption_rate_per_hour: (rate, rate), ..CloudConfig::default() },
        ..FleetConfig::default()
    })
    .await?;
    tokio::time::sleep(ramp + Duration::from_secs(15)).await;

    let mut report = Report::new("chaos");
    let mut missed = Vec::new();
    report.add("setup.replicas_per_service", REPLICAS as f64, "replicas", "2");
    report.add("setup.v4_agents", args.agents as f64, "agents", "");
    let mut windows = Vec::new();
    for fault in schedule {
        windows.push(run_fault(rig, fault, args, &fleet, &prober).await?);
    }

    // A notice's deadline is judged once it passed: the fleet runs on until
    // the last window's last deadline (2 minutes), then each window's misses
    // are read.
    let last_deadline = windows.last().map_or_else(Instant::now, |w| w.ended) + Duration::from_secs(130);
    tokio::time::sleep(last_deadline.saturating_duration_since(Instant::now())).await;
    for w in &mut windows {
        w.deadline_missed = crate::sql::count_with(
            &rig.db,
            "SELECT count(*) FROM emergency.notices
             WHERE kind = 'termination' AND deadline_missed AND received_at >= $1 AND received_at < $2",
            vec![w.since.into(), w.until.into()],
        )
        .await?;
        w.add_to(&mut report, &mut missed);
    }
    // The fleet stops silently; consumers catch up; the ledger is read.
    let fleet_end = fleet.shutdown(false).await?;
    let samples = prober.samples();
    drop(prober);
    ledger::settle(&rig.db, Duration::from_secs(90)).await?;
    let primaries = primaries.stop().await?;
    let probe_all = Tally::of(&samples, samples.first().map_or_else(Instant::now, |s| s.at), Instant::now());
    for e in ledger::read(&rig.db, &fleet_end.stats, probe_all.calls, probe_all.ok).await? {
        let key = format!("ledger.{}", e.kind);
        report.add(&format!("{key}.sent"), e.sent as f64, "calls", "");
        report.add(&format!("{key}.accepted"), e.accepted as f64, "calls", "");
        report.add(&format!("{key}.applied"), e.applied as f64, "effects", "");
        report.add(&format!("{key}.lost"), e.lost() as f64, "effects", "0");
        report.add(&format!("{key}.doubled"), e.doubled() as f64, "effects", "0");
        if e.lost() > 0 || e.doubled() > 0 {
            missed.push(format!("{}: {} lost, {} doubled", e.kind, e.lost(), e.doubled()));
        }
    }
    let deadline_missed = count(
        &rig.db,
        "SELECT count(*) FROM emergency.notices WHERE kind = 'termination' AND deadline_missed",
    )
    .await?;
    report.add("notices.deadline_missed_total", deadline_missed as f64, "notices", "");
    let (scans, worst) = (primaries.scans, primaries.worst);
    report.add("primary.scans", scans as f64, "scans", "");
    report.add("primary.worst_groups_without_one_primary", worst as f64, "groups", "0");
    if worst > 0 {
        missed.push(format!("{worst} groups without exactly one PRIMARY at one sampled moment"));
    }
    report.add("fleet.switches_completed", fleet_end.stats.switches_completed as f64, "switches", "");
    report.add("fleet.interruptions_seen", fleet_end.stats.interruptions_seen as f64, "notices", "");
    for crash in rig.replicas.replicas.iter_mut().filter_map(super::replicas::Replica::exited) {
        missed.push(format!("a replica died by itself: {crash}"));
    }
    Ok(Outcome { report, missed })
}

/// What one fault did.
struct Window {
    fault: Fault,
    recovery: Option<Duration>,
    probe: Tally,
    fleet_ok: u64,
    fleet_503: u64,
    fleet_other_5xx: u64,
    fleet_cut: u64,
    /// Termination notices received in the window whose deadline passed unmet.
    deadline_missed: i64,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
    ended: Instant,
}

impl Window {
    fn add_to(&self, report: &mut Report, missed: &mut Vec<String>) {
        let f = self.fault.to_string();
        let k = |m: &str| format!("{f}.{m}");
        let recovery = self.recovery.map_or(f64::NAN, |d| d.as_secs_f64());
        report.add(&k("recovery_s"), recovery, "s", "every replica ready");
        let back = self.probe.back_after.map_or(f64::NAN, |d| d.as_secs_f64());
        report.add(&k("probe_answers_back_s"), back, "s", "");
        report.add(&k("probe_calls"), self.probe.calls as f64, "calls", "");
        report.add(&k("probe_refused_503_retry_after"), self.probe.refused as f64, "calls", "");
        report.add(&k("probe_503_without_retry_after"), self.probe.refused_bare as f64, "calls", "0");
        report.add(&k("probe_other_5xx"), self.probe.server_errors as f64, "calls", "0");
        report.add(&k("probe_4xx"), (self.probe.client_errors + self.probe.limited) as f64, "calls", "0");
        report.add(&k("probe_connections_cut"), self.probe.cut as f64, "calls", "");
        report.add(&k("probe_hung_past_timeout"), self.probe.hung as f64, "calls", "0");
        report.add(&k("probe_slowest_ms"), self.probe.slowest.as_secs_f64() * 1e3, "ms", "< 20000");
        report.add(&k("fleet_2xx"), self.fleet_ok as f64, "calls", "");
        report.add(&k("fleet_503"), self.fleet_503 as f64, "calls", "");
        report.add(&k("fleet_other_5xx"), self.fleet_other_5xx as f64, "calls", "0");
        report.add(&k("fleet_cut_or_timed_out"), self.fleet_cut as f64, "calls", "");
        report.add(&k("notices_deadline_missed"), self.deadline_missed as f64, "notices", "0");
        let bad = [
            (self.recovery.is_none(), "no recovery"),
            (self.deadline_missed > 0, "termination notices missed their deadline"),
            (self.probe.refused_bare > 0, "503 without Retry-After"),
            (self.probe.server_errors + self.fleet_other_5xx > 0, "5xx other than 503"),
            (self.probe.client_errors + self.probe.limited > 0, "4xx to a registered agent"),
            (self.probe.hung > 0, "a call hung past the gateway's timeout"),
        ];
        missed.extend(bad.iter().filter(|(b, _)| *b).map(|(_, why)| format!("{f}: {why}")));
    }
}

async fn run_fault(
    rig: &mut Rig<'_>,
    fault: &Fault,
    args: &ChaosArgs,
    fleet: &Fleet,
    prober: &Prober,
) -> anyhow::Result<Window> {
    let before = fleet.snapshot().stats;
    let started = Instant::now();
    let since = chrono::Utc::now();
    apply(rig, fault, true).await?;
    tokio::time::sleep(fault.hold(args.pause)).await;
    apply(rig, fault, false).await?;
    let recovery = match rig.replicas.wait_ready(&rig.http, Duration::from_secs(120)).await {
        Ok(_) => Some(started.elapsed()),
        Err(e) => {
            tracing::warn!(fault = %fault, error = %e, "no recovery");
            None
        }
    };
    tokio::time::sleep(args.settle).await;
    let after = fleet.snapshot().stats;
    let probe = Tally::of(&prober.samples(), started, Instant::now());
    let (ok, s503, other, cut) = delta(&before, &after);
    println!(
        "{fault}: recovered in {:.1} s, probe {} calls ({} ok, {} refused, {} cut), fleet {} ok / {} 503 / {} other 5xx / {} cut",
        recovery.map_or(f64::NAN, |d| d.as_secs_f64()),
        probe.calls,
        probe.ok,
        probe.refused,
        probe.cut,
        ok,
        s503,
        other,
        cut
    );
    Ok(Window {
        fault: fault.clone(),
        recovery,
        probe,
        fleet_ok: ok,
        fleet_503: s503,
        fleet_other_5xx: other,
        fleet_cut: cut,
        deadline_missed: 0,
        since,
        until: chrono::Utc::now(),
        ended: Instant::now(),
    })
}

/// (2xx, 503, other 5xx, transport) between two snapshots, over every endpoint.
fn delta(before: &StatsSnapshot, after: &StatsSnapshot) -> (u64, u64, u64, u64) {
    let sum = |s: &StatsSnapshot, pick: &dyn Fn(&str) -> bool| -> u64 {
        s.endpoints
            .iter()
            .flat_map(|e| e.errors_by_kind.iter())
            .filter(|(k, _)| pick(k))
            .map(|(_, v)| *v)
            .sum()
    };
    let requests = |s: &StatsSnapshot| s.endpoints.iter().map(|e| e.requests).sum::<u64>();
    let errors = |s: &StatsSnapshot| s.endpoints.iter().map(|e| e.errors).sum::<u64>();
    let is_503 = |k: &str| k == "503";
    let other_5xx = |k: &str| k.len() == 3 && k.starts_with('5') && k != "503";
    let cut = |k: &str| k == "transport";
    let ok = (requests(after) - errors(after)).saturating_sub(requests(before) - errors(before));
    (
        ok,
        sum(after, &is_503).saturating_sub(sum(before, &is_503)),
        sum(after, &other_5xx).saturating_sub(sum(before, &other_5xx)),
        sum(after, &cut).saturating_sub(sum(before, &cut)),
    )
}

/// Applies (`on`) or undoes a fault.
async fn apply(rig: &mut Rig<'_>, fault: &Fault, on: bool) -> anyhow::Result<()> {
    match (fault, on) {
        (Fault::Kill(services), true) => {
            for s in services {
                rig.replicas.replica(s, 0)?.kill().await;
            }
        }
        (Fault::Kill(services), false) => {
            for s in services {
                rig.replicas.replica(s, 0)?.restart()?;
            }
        }
        (Fault::NatsRestart, true) => rig.nats.stop(),
        (Fault::NatsRestart, false) => rig.nats.resume().await?,
        (Fault::PostgresRestart, true) => rig.pg.stop().await?,
        (Fault::PostgresRestart, false) => rig.pg.resume().await?,
        (Fault::Pause(s), pause) => rig.replicas.replica(s, 0)?.signal_pause(pause).await?,
        (Fault::NatsDiskFull, on) => {
            let disk =
                rig.disk.as_ref().ok_or_else(|| anyhow::anyhow!("nats-disk without its file system"))?;
            if on {
                let mib = disk.fill()?;
                println!("nats-disk: store file system full ({mib} MiB of filler)");
            } else {
                disk.drain()?;
                rig.nats.stop();
                rig.nats.resume().await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_missed_target_is_named_with_its_fault() {
        let w = Window {
            fault: Fault::NatsRestart,
            recovery: Some(Duration::from_secs(3)),
            probe: Tally { calls: 10, ok: 9, server_errors: 1, ..Tally::default() },
            fleet_ok: 100,
            fleet_503: 3,
            fleet_other_5xx: 0,
            fleet_cut: 0,
            deadline_missed: 0,
            since: chrono::Utc::now(),
            until: chrono::Utc::now(),
            ended: Instant::now(),
        };
        let (mut report, mut missed) = (Report::new("t"), Vec::new());
        w.add_to(&mut report, &mut missed);
        assert_eq!(missed, vec!["nats: 5xx other than 503".to_owned()]);
        assert!(report.render().contains("nats.recovery_s"));
    }
}
