use crate::helpers::*;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use spot_pricing::jobs;
use uuid::Uuid;

#[tokio::test]
async fn pool_risk_is_assessed_recorded_and_published() -> anyhow::Result<()> {
    let env = env().await?;
    let now = Utc::now();
    for (i, price) in [0.010, 0.010, 0.010, 0.010].iter().enumerate() {
        env.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO pricing.spot_price_snapshots (event_id, client_id, agent_id, instance_id, reporter_role,
                    pool_id, region, instance_type, az, price, captured_at)
                 VALUES ($1, $2, $2, 'i-1', 'PRIMARY', 'c5.large.us-east-1c', 'us-east-1', 'c5.large', 'us-east-1c', $3,
                         $4 - make_interval(hours => $5))",
                [Uuid::now_v7().into(), Uuid::nil().into(), (*price).into(), now.into(), (i as i32 + 1).into()],
            ))
            .await?;
    }
    for _ in 0..8 {
        env.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO pricing.pool_interruptions (id, pool_id, occurred_at) VALUES ($1, 'c5.large.us-east-1c', $2)",
                [Uuid::now_v7().into(), now.into()],
            ))
            .await?;
    }
    assert_eq!(jobs::risk::run(&env.db, now).await?, 1);
    let row = env
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT volatility, score, recommendation, interruptions_30d FROM pricing.pool_risk_analysis"
                .to_owned(),
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no risk row"))?;
    let volatility: f64 = row.try_get("", "volatility")?;
    let score: f64 = row.try_get("", "score")?;
    let recommendation: String = row.try_get("", "recommendation")?;
    // Flat price: no volatility; 8 interruptions saturate that term: 0.40 -> caution.
    assert_eq!(volatility, 0.0);
    assert!((score - 0.40).abs() < 1e-12, "score {score}");
    assert_eq!(recommendation, "caution");
    assert_eq!(
        count(&env.db, "SELECT count(*) FROM pricing.outbox WHERE event_type = 'spot.v1.PoolRiskUpdated'")
            .await?,
        1
    );
    assert_eq!(jobs::risk::run(&env.db, now).await?, 1);
    assert_eq!(
        count(&env.db, "SELECT count(*) FROM pricing.pool_risk_analysis").await?,
        1,
        "same instant: idempotent"
    );
    Ok(())
}

#[tokio::test]
async fn daily_savings_from_primary_usage_and_recomputable() -> anyhow::Result<()> {
    let env = env().await?;
    let client = Uuid::now_v7();
    // 120 reports of 5 minutes = 10 h on spot at 0.03 (od 0.10), 168 reports = 14 h on-demand at 0.10.
    for i in 0..288 {
        let (mode, price) = if i < 120 { ("spot", 0.03) } else { ("ondemand", 0.10) };
        env.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO pricing.instance_usage (event_id, client_id, instance_id, reporter_role, mode, hourly_price,
                    on_demand_price, captured_at)
                 VALUES ($1, $2, 'i-1', 'PRIMARY', $3, $4, 0.10, $5)",
                [Uuid::now_v7().into(), client.into(), mode.into(), price.into(), at(i * 5).into()],
            ))
            .await?;
    }
    // A replica report: not in savings, in the replica cost log.
    env.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO pricing.instance_usage (event_id, client_id, instance_id, reporter_role, mode, hourly_price,
                on_demand_price, captured_at) VALUES ($1, $2, 'i-2', 'REPLICA', 'spot', 0.03, 0.10, $3)",
            [Uuid::now_v7().into(), client.into(), at(30).into()],
        ))
        .await?;
    let day = t0().date_naive();
    let interval = std::time::Duration::from_secs(300);
    assert_eq!(jobs::savings::run_day(&env.db, day, interval).await?, 1);
    jobs::savings::run_day(&env.db, day, interval).await?; // recompute: same row
    let row = env
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT spot_hours, on_demand_hours, actual_cost, on_demand_equivalent_cost, savings, savings_percent
             FROM pricing.savings_snapshots".to_owned(),
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no savings row"))?;
    let get = |c: &str| row.try_get::<f64>("", c);
    assert!((get("spot_hours")? - 10.0).abs() < 1e-9);
    assert!((get("on_demand_hours")? - 14.0).abs() < 1e-9);
    assert!((get("actual_cost")? - 1.70).abs() < 1e-9);
    assert!((get("on_demand_equivalent_cost")? - 2.40).abs() < 1e-9);
    assert!((get("savings")? - 0.70).abs() < 1e-9);
    assert!((get("savings_percent")? - 29.166_666_666).abs() < 1e-6);
    assert_eq!(count(&env.db, "SELECT count(*) FROM pricing.savings_snapshots").await?, 1);
    assert_eq!(count(&env.db, "SELECT count(*) FROM pricing.replica_cost_log").await?, 1);
    Ok(())
}
