use crate::helpers::*;
use bytes::Bytes;
use prost::Message;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use spot_contracts::v1;
use spot_platform::bus::{BatchHandler, Delivery};
use spot_pricing::consumers::reports::ReportConsumer;
use uuid::Uuid;

fn report(client: Uuid, instance: &str, prices: &[(&str, f64)]) -> v1::PricingReportReceived {
    v1::PricingReportReceived {
        meta: Some(v1::EventMeta {
            event_id: Uuid::now_v7().to_string(),
            occurred_at: Some(spot_contracts::Timestamp::from(std::time::SystemTime::now())),
            client_id: client.to_string(),
            agent_id: Uuid::now_v7().to_string(),
            producer: "test".into(),
            request_id: String::new(),
        }),
        instance_id: instance.into(),
        instance_type: "t3.medium".into(),
        region: "us-east-1".into(),
        az: "us-east-1a".into(),
        mode: v1::InstanceMode::Spot as i32,
        pool_id: Some("t3.medium.us-east-1a".into()),
        on_demand_price: Some(0.0416),
        current_spot_price: Some(prices.first().map(|p| p.1).unwrap_or_default()),
        cheapest_pool: None,
        spot_pools: prices
            .iter()
            .map(|(pool, price)| v1::PoolPrice {
                pool_id: (*pool).into(),
                instance_type: "t3.medium".into(),
                az: String::new(),
                price: *price,
            })
            .collect(),
        collected_at: Some(spot_contracts::Timestamp::from(std::time::SystemTime::from(at(3)))),
    }
}

fn delivery(r: &v1::PricingReportReceived) -> Delivery {
    Delivery {
        event_id: r.meta.as_ref().map(|m| m.event_id.clone()).unwrap_or_default(),
        subject: "spot.v1.ingest.pricing_report.c.a".into(),
        payload: Bytes::from(r.encode_to_vec()),
        sequence: 1,
        delivered: 1,
        traceparent: None,
    }
}

async fn role(env: &Env, client: Uuid, instance: &str, role: &str) -> anyhow::Result<()> {
    env.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO pricing.instance_roles (client_id, instance_id, role) VALUES ($1, $2, $3)",
            [client.into(), instance.into(), role.into()],
        ))
        .await?;
    Ok(())
}

#[tokio::test]
async fn every_pool_price_is_staged_with_the_reporters_role_and_zombies_are_counted_not_stored()
-> anyhow::Result<()> {
    let env = env().await?;
    let client = Uuid::now_v7();
    role(&env, client, "i-primary", "PRIMARY").await?;
    role(&env, client, "i-replica", "REPLICA").await?;
    role(&env, client, "i-zombie", "ZOMBIE").await?;
    let ignored = prometheus::IntCounterVec::new(prometheus::Opts::new("x", "x"), &["reason"])?;
    let consumer = ReportConsumer::new(env.db.clone(), ignored.clone());
    let pools = [("t3.medium.us-east-1a", 0.0125), ("t3.medium.us-east-1b", 0.0131), ("not a pool", 1.0)];
    let batch = [
        delivery(&report(client, "i-primary", &pools)),
        delivery(&report(client, "i-replica", &pools)),
        delivery(&report(client, "i-zombie", &pools)),
        delivery(&report(client, "i-new", &pools)),
    ];
    consumer.handle(&batch).await?;
    consumer.handle(&batch).await?; // redelivered: nothing twice
    assert_eq!(count(&env.db, "SELECT count(*) FROM pricing.spot_price_snapshots").await?, 6);
    for (role, n) in [("PRIMARY", 2), ("REPLICA", 2), ("UNKNOWN", 2)] {
        let sql = format!("SELECT count(*) FROM pricing.spot_price_snapshots WHERE reporter_role = '{role}'");
        assert_eq!(count(&env.db, &sql).await?, n, "{role}");
    }
    assert_eq!(count(&env.db, "SELECT count(*) FROM pricing.spot_price_snapshots WHERE region = 'us-east-1' AND captured_at = '2026-11-22T00:03:00Z'").await?, 6);
    assert_eq!(
        count(&env.db, "SELECT sum(count)::bigint FROM pricing.ignored_reports WHERE reason = 'zombie'")
            .await?,
        1
    );
    assert_eq!(ignored.with_label_values(&["zombie"]).get(), 1);
    assert_eq!(count(&env.db, "SELECT count(*) FROM pricing.instance_usage").await?, 3);
    assert_eq!(
        count(&env.db, "SELECT count(*) FROM pricing.on_demand_prices WHERE price = 0.0416").await?,
        1
    );
    Ok(())
}
