//! A sped-up simulated fleet of faithful v4 agents loses one AZ at once:
//! every group of that AZ must end with a healthy PRIMARY elsewhere (moved
//! by a priority-100 switch command, the only thing v4 follows), and no
//! group may ever have zero or two PRIMARYs while it happens (checked every
//! 100 ms).

use crate::helpers::*;
use sea_orm::ConnectionTrait;
use spot_fleet_sim::agent::Behaviour;
use spot_fleet_sim::cloud::CloudConfig;
use spot_fleet_sim::fleet::{Fleet, FleetConfig};
use spot_platform::store::count;
use spot_testkit::primaries::{BAD_GROUPS, PrimaryWatch};
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_az_reclaimed_at_once_keeps_one_primary_per_group_throughout() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    // Boot history: the other AZs boot in 30-50 s, so replicas go there.
    t.db.execute_unprepared(
        "INSERT INTO emergency.boot_samples (sample_key, pool_id, seconds, source)
         SELECT 'seed-' || az || '-' || n, 't3.medium.' || az, s + n, 'test'
         FROM (VALUES ('us-east-1b', 30), ('us-east-1c', 45)) p(az, s), generate_series(1, 3) n",
    )
    .await?;

    let watch = PrimaryWatch::start(t.db.clone());

    // 60 v4 agents over three AZs at 4x speed (a loaded 2-core machine keeps up); AZ a is reclaimed 90 s (22 s real) in.
    let cloud = CloudConfig::az_loss(Duration::from_secs(90));
    let cloud_cfg = cloud.clone();
    let fleet = Fleet::start(FleetConfig {
        agents: 60,
        tenants: 1,
        seed: 42,
        speed: 4.0,
        base_url: t.base.clone(),
        admin_token: Some(ADMIN.to_owned()),
        typed_share: 0.0,
        on_demand_share: 0.0,
        ramp_up: Duration::from_secs(30),
        // v4 can snapshot before a switch when so configured; an image takes
        // 20-90 s, which no 2-minute deadline survives (docs/EMERGENCY.md).
        behaviour: Behaviour { snapshot_on_switch: 0.0, ..Behaviour::default() },
        cloud,
        ..FleetConfig::default()
    })
    .await?;

    // Wait for the notices, then for every one to be resolved.
    let deadline = Instant::now() + Duration::from_secs(90);
    let total = loop {
        let notices =
            count(&t.db, "SELECT count(*) FROM emergency.notices WHERE kind = 'termination'").await?;
        let open = count(
            &t.db,
            "SELECT count(*) FROM emergency.notices WHERE kind = 'termination' AND status <> 'resolved'",
        )
        .await?;
        let in_az = count(
            &t.db,
            "SELECT count(*) FROM lifecycle.instances WHERE role = 'PRIMARY' AND az = 'us-east-1a'",
        )
        .await?;
        if notices > 0 && open == 0 && in_az == 0 {
            break notices;
        }
        if Instant::now() >= deadline {
            let dump = t
                .db
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT concat_ws(' | ', n.instance_id, n.pool_id, n.status, n.action, n.target_pool_id, n.fallback,
                        n.promoted_ms::text, (extract(epoch FROM c.delivered_at - n.received_at))::text, c.status,
                        c.result_message) AS line
                     FROM emergency.notices n LEFT JOIN lifecycle.commands c ON c.id = n.command_id
                     WHERE n.kind = 'termination'",
                ))
                .await?
                .iter()
                .filter_map(|r| r.try_get::<String>("", "line").ok())
                .collect::<Vec<_>>();
            let pools = spot_fleet_sim::cloud::Cloud::new(cloud_cfg.clone())?
                .pools()
                .iter()
                .map(|p| format!("{} {:?}", p.id.az, p.boot))
                .collect::<Vec<_>>();
            anyhow::bail!(
                "{pools:?} not settled: {notices} notices, {open} open, {in_az} PRIMARYs left in the reclaimed AZ:\n{}",
                dump.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let primaries = watch.stop().await?;
    let snapshot = fleet.shutdown(false).await?;

    assert!(total >= 10, "a third of 60 agents were in the reclaimed AZ, got {total} notices");
    assert_eq!(primaries.worst, 0, "a group had zero or two PRIMARYs during the event");
    assert!(primaries.scans > 50, "the watcher ran throughout");
    assert_eq!(
        count(&t.db, "SELECT count(*) FROM emergency.notices WHERE deadline_missed").await?,
        0,
        "every group got its PRIMARY back before the deadline"
    );
    assert_eq!(
        count(&t.db, "SELECT count(*) FROM emergency.notices WHERE target_pool_id LIKE '%us-east-1a'")
            .await?,
        0,
        "no replica sent into the reclaimed AZ"
    );
    assert_eq!(count(&t.db, BAD_GROUPS).await?, 0);
    assert_eq!(
        count(
            &t.db,
            "SELECT count(*) FROM (SELECT n.id FROM emergency.notices n LEFT JOIN lifecycle.commands c
               ON c.group_id = n.group_id AND c.priority = 100 AND c.command_type = 'SWITCH'
               WHERE n.kind = 'termination' GROUP BY n.id HAVING count(c.id) <> 1) x"
        )
        .await?,
        0,
        "exactly one switch command per noticed group: {:?}",
        t.db.query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT concat_ws(' | ', n.instance_id, n.status, n.action, n.reason, n.command_id::text,
                (SELECT string_agg(step || ':' || coalesce(target_pool_id, target_mode, ''), ',') FROM emergency.notice_steps s WHERE s.notice_id = n.id)) AS line
             FROM emergency.notices n WHERE n.kind = 'termination' AND n.command_id IS NULL",
        ))
        .await?
        .iter()
        .filter_map(|r| r.try_get::<String>("", "line").ok())
        .collect::<Vec<_>>()
    );
    assert!(snapshot.cloud.interruptions as i64 >= total, "{:?}", snapshot.cloud);
    Ok(())
}
