use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use spot_contracts::v1;
use spot_domain::{AgentId, ClientId, InstanceMode, LogicalAgentId};
use spot_lifecycle::store::agents::{NewAgent, insert};
use spot_platform::bus::{Bus, ConsumerSpec, ensure_streams};
use spot_testkit::{TestDatabase, TestNats};
use std::time::Duration;
use uuid::Uuid;

pub struct Env {
    pub db: DatabaseConnection,
    pub bus: Bus,
    pub client: ClientId,
    pub nats: TestNats,
    pub _database: TestDatabase,
}

pub async fn env() -> anyhow::Result<Env> {
    spot_testkit::init_logs();
    let database = TestDatabase::create().await?;
    let nats = TestNats::start().await?;
    let db = database.migrated(spot_lifecycle::SCHEMA, spot_lifecycle::MIGRATIONS).await?;
    let bus = Bus::connect(&nats.url, "test", Duration::from_secs(5), false).await?;
    ensure_streams(&bus).await?;
    Ok(Env { db, bus, client: ClientId::new_v7(), nats, _database: database })
}

pub fn spec(batch: usize) -> ConsumerSpec {
    ConsumerSpec {
        stream: spot_contracts::subjects::INGEST.name,
        durable: spot_lifecycle::consumers::heartbeats::DURABLE.to_owned(),
        filter: <v1::HeartbeatReceived as spot_contracts::Event>::filter(),
        batch,
        max_deliver: 5,
        ack_wait: Duration::from_secs(1),
        linger: Duration::ZERO,
    }
}

pub async fn agents(env: &Env, n: usize) -> anyhow::Result<Vec<AgentId>> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let agent = NewAgent {
            agent_id: AgentId::new_v7(),
            client_id: env.client,
            logical_agent_id: LogicalAgentId::parse(&format!("group-{i}"))?,
            instance_id: format!("i-{i}"),
            instance_type: "t3.medium".into(),
            region: "us-east-1".into(),
            az: "us-east-1a".into(),
            ami_id: "ami-1".into(),
            mode: InstanceMode::Spot,
            hostname: "vm".into(),
            agent_version: "4.0.0".into(),
            private_ip: None,
            public_ip: None,
            enabled: true,
            group_id: None,
            capabilities: Vec::new(),
        };
        insert(&env.db, &agent).await?;
        ids.push(agent.agent_id);
    }
    Ok(ids)
}

/// A heartbeat event as the gateway would publish it; `tag` lands in
/// monitored_instances so a test can tell which heartbeat was applied last.
pub fn heartbeat(client: ClientId, agent: AgentId, tag: &str) -> v1::HeartbeatReceived {
    v1::HeartbeatReceived {
        meta: Some(v1::EventMeta {
            event_id: Uuid::now_v7().to_string(),
            occurred_at: Some(spot_contracts::Timestamp::from(std::time::SystemTime::now())),
            client_id: client.to_string(),
            agent_id: agent.to_string(),
            producer: "test".into(),
            request_id: String::new(),
        }),
        status: v1::ReportedStatus::Online as i32,
        monitored_instances: vec![tag.to_owned()],
        instance_id: Some("i-x".into()),
        instance_type: Some("t3.medium".into()),
        mode: v1::InstanceMode::Spot as i32,
        az: Some("us-east-1a".into()),
        metrics: None,
    }
}

pub use spot_platform::store::count as scalar;

pub async fn agent_state(db: &DatabaseConnection, agent: AgentId) -> anyhow::Result<(i64, Vec<String>)> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT heartbeat_count, monitored_instances FROM lifecycle.agents WHERE agent_id = $1",
            [agent.as_uuid().into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("agent missing"))?;
    Ok((row.try_get("", "heartbeat_count")?, row.try_get("", "monitored_instances")?))
}
