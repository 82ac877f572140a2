//! The mass-interruption half of `spotctl bench emergency`: a simulated
//! fleet of faithful v4 agents (crates/fleet-sim, `Flavour::V4`: moves only
//! on switch commands, emergency replica only in its own pool) loses one AZ
//! at once while the rest of the bench keeps its heartbeat load running.
//! Measured: share of noticed groups whose PRIMARY is in another pool
//! before their deadline, moments with zero or two PRIMARYs, switch
//! commands per notice, notice -> command latency.

use super::Report;
use crate::sql::count;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use spot_fleet_sim::agent::Behaviour;
use spot_fleet_sim::cloud::{Cloud, CloudConfig};
use spot_fleet_sim::fleet::{Fleet, FleetConfig};
use spot_testkit::primaries::PrimaryWatch;
use std::time::{Duration, Instant};

/// Groups whose PRIMARY count is not exactly one (the test kit's query;
/// named here for `spotctl chaos`).
pub use spot_testkit::primaries::BAD_GROUPS;

/// Sizes of the fleet part.
#[derive(Debug, Clone)]
pub struct FleetRun {
    /// Simulated v4 agents, spread over three AZs (a third in the reclaimed one).
    pub agents: usize,
    /// Simulated seconds per real second (1 keeps deadlines real).
    pub speed: f64,
    pub seed: u64,
}

/// Runs the fleet, reclaims AZ a once every agent registered, and measures.
pub async fn run(
    base: &str,
    db: &DatabaseConnection,
    run: &FleetRun,
    report: &mut Report,
) -> anyhow::Result<()> {
    let ramp = Duration::from_secs(60);
    let event_at = ramp + Duration::from_secs(30);
    let mut cloud = CloudConfig::az_loss(event_at);
    cloud.seed = run.seed;
    // Boot history as the service would have learnt it: the pools' own boot
    // ranges (the reclaimed pool included; it is excluded by the rule).
    for pool in Cloud::new(cloud.clone())?.pools() {
        let avg = (pool.boot.0.as_secs_f64() + pool.boot.1.as_secs_f64()) / 2.0;
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO emergency.boot_samples (sample_key, pool_id, seconds, source)
             SELECT 'fleet-' || $1 || '-' || n, $1, $2, 'bench' FROM generate_series(1, 5) n
             ON CONFLICT DO NOTHING",
            [pool.id.to_string().into(), avg.into()],
        ))
        .await?;
    }

    let watch = PrimaryWatch::start(db.clone());
    let fleet = Fleet::start(FleetConfig {
        agents: run.agents,
        tenants: 1,
        seed: run.seed,
        speed: run.speed,
        base_url: base.to_owned(),
        admin_token: Some("test-admin-token".to_owned()),
        tenant_name_prefix: "fleet".to_owned(),
        typed_share: 0.0,
        on_demand_share: 0.0,
        ramp_up: ramp,
        // No image before a switch: 20-90 s of snapshot fit no 2-minute deadline.
        behaviour: Behaviour { snapshot_on_switch: 0.0, ..Behaviour::default() },
        cloud,
        ..FleetConfig::default()
    })
    .await?;

    // Event + deadline (120 s simulated) + settling, in real time.
    let settle = (event_at + Duration::from_secs(180)).as_secs_f64() / run.speed.max(0.01);
    let until = Instant::now() + Duration::from_secs_f64(settle);
    let noticed =
        "SELECT count(*) FROM emergency.notices n JOIN emergency.group_agents a ON a.agent_id = n.agent_id
        WHERE n.kind = 'termination' AND n.pool_id = 't3.medium.us-east-1a'";
    loop {
        let notices = count(db, noticed).await?;
        let open = count(db, &format!("{noticed} AND n.status <> 'resolved'")).await?;
        if (notices > 0 && open == 0) || Instant::now() > until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let primaries = watch.stop().await?;
    let snapshot = fleet.shutdown(false).await?;

    let figures = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "WITH noticed AS (
                 SELECT n.* FROM emergency.notices n
                 WHERE n.kind = 'termination' AND n.pool_id = 't3.medium.us-east-1a'),
             moved AS (
                 SELECT n.id FROM noticed n JOIN lifecycle.instances i ON i.group_id = n.group_id
                 WHERE i.role = 'PRIMARY' AND coalesce(i.pool_id, '') <> n.pool_id
                   AND n.status = 'resolved' AND NOT n.deadline_missed),
             switches AS (
                 SELECT n.id, count(c.id) AS k FROM noticed n
                 LEFT JOIN lifecycle.commands c ON c.group_id = n.group_id AND c.priority = 100
                   AND c.command_type = 'SWITCH' AND c.created_at >= n.received_at
                   -- the placement itself; fallback steps after a missed deadline are counted apart
                   AND c.created_at < n.deadline
                 GROUP BY n.id),
             -- notice -> its first command (a later fallback step is not the answer to the notice)
             latency AS (
                 SELECT extract(epoch FROM min(c.created_at) - n.received_at) * 1000 AS ms FROM noticed n
                 JOIN emergency.notice_steps s ON s.notice_id = n.id
                 JOIN lifecycle.commands c ON c.id = s.command_id
                 GROUP BY n.id, n.received_at)
             SELECT (SELECT count(*) FROM noticed) AS notices,
                    (SELECT count(*) FROM moved) AS moved,
                    (SELECT count(*) FROM noticed WHERE deadline_missed) AS missed,
                    (SELECT min(k) FROM switches) AS min_switches,
                    (SELECT max(k) FROM switches) AS max_switches,
                    (SELECT avg(k)::float8 FROM switches) AS avg_switches,
                    (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) FROM latency)::float8 AS cmd_p50,
                    (SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY ms) FROM latency)::float8 AS cmd_p99,
                    (SELECT count(*) FROM noticed WHERE target_pool_id = pool_id AND action = 'same_pool_replica')
                        AS same_pool_left",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no fleet figures"))?;
    let int = |name: &str| -> anyhow::Result<f64> {
        Ok(figures.try_get::<Option<i64>>("", name)?.unwrap_or(0) as f64)
    };
    let float = |name: &str| -> anyhow::Result<f64> {
        Ok(figures.try_get::<Option<f64>>("", name)?.unwrap_or(f64::NAN))
    };
    let notices = int("notices")?;
    report.add("fleet.v4_agents", run.agents as f64, "agents", "");
    report.add("fleet.speed", run.speed, "x", "");
    report.add("fleet.noticed_groups", notices, "groups", "1000");
    report.add(
        "fleet.primary_elsewhere_before_deadline_pct",
        100.0 * int("moved")? / notices.max(1.0),
        "%",
        ">= 99.9",
    );
    report.add("fleet.deadline_missed", int("missed")?, "groups", "0");
    report.add("fleet.switch_commands_per_notice_min", int("min_switches")?, "commands", "1");
    report.add("fleet.switch_commands_per_notice_max", int("max_switches")?, "commands", "1");
    report.add("fleet.switch_commands_per_notice_avg", float("avg_switches")?, "commands", "1");
    report.add("fleet.same_pool_replicas_not_escalated", int("same_pool_left")?, "notices", "0");
    report.add("fleet.notice_to_command_p50_ms", float("cmd_p50")?, "ms", "");
    report.add("fleet.notice_to_command_p99_ms", float("cmd_p99")?, "ms", "");
    report.add("fleet.invariant_scans", primaries.scans as f64, "scans", "");
    report.add("fleet.worst_groups_without_one_primary", primaries.worst as f64, "groups", "0");
    report.add("fleet.switches_completed", snapshot.stats.switches_completed as f64, "switches", "");
    report.add("fleet.agent_http_errors", snapshot.stats.errors as f64, "requests", "");
    Ok(())
}
