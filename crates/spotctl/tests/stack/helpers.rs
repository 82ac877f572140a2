use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::Value;
use spot_platform::Shutdown;
use spot_testkit::{TestDatabase, TestNats};
use spotctl::stack::Stack;
use std::path::PathBuf;
use std::time::Duration;

pub const ADMIN: &str = "test-admin-token";

pub struct TestStack {
    pub stack: Option<Stack>,
    pub base: String,
    pub http: reqwest::Client,
    pub db: DatabaseConnection,
    pub nats: TestNats,
    pub _database: TestDatabase,
    /// The settings the stack started with.
    pub settings: spot_platform::Settings,
}

impl TestStack {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// [`TestStack::start`] with settings adjusted by `tune` first.
    pub async fn start_with(tune: impl FnOnce(&mut spot_platform::Settings)) -> anyhow::Result<Self> {
        spot_testkit::init_logs();
        let database = TestDatabase::create().await?;
        let nats = TestNats::start().await?;
        let mut settings = spot_testkit::settings(&database, &nats)?;
        settings.consumer_ack_wait = Duration::from_secs(2);
        settings.publish_timeout = Duration::from_millis(1500);
        tune(&mut settings);
        let stack = Stack::start(&settings, Shutdown::new()).await?;
        let db = spot_platform::store::connect(&settings, Duration::from_secs(5)).await?;
        Ok(Self {
            base: stack.gateway_url(),
            stack: Some(stack),
            http: reqwest::Client::builder().timeout(Duration::from_secs(20)).build()?,
            db,
            nats,
            _database: database,
            settings,
        })
    }

    /// Starts another gateway replica against the same database, bus and
    /// services (stopped with the stack); returns its base URL and the
    /// running service (keep it while the replica is used).
    pub async fn second_gateway(&self) -> anyhow::Result<(String, spot_platform::RunningService)> {
        let stack = self.stack.as_ref().ok_or_else(|| anyhow::anyhow!("stack stopped"))?;
        let mut settings = self.settings.clone();
        for (name, service) in [
            ("SPOT_LIFECYCLE_GRPC_URL", &stack.lifecycle),
            ("SPOT_PRICING_GRPC_URL", &stack.pricing),
            ("SPOT_EMERGENCY_GRPC_URL", &stack.emergency),
            ("SPOT_DECISIONS_GRPC_URL", &stack.decisions),
        ] {
            let grpc = service.grpc_addr.ok_or_else(|| anyhow::anyhow!("{name}: no gRPC address"))?;
            settings.source.set(name, format!("http://{grpc}"));
        }
        let gateway = spot_gateway::start(&settings, stack.shutdown.clone()).await?;
        Ok((format!("http://{}", gateway.http_addr), gateway))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates a tenant through the admin API; returns (id, token).
    pub async fn tenant(&self, name: &str) -> anyhow::Result<(String, String)> {
        let created =
            spotctl::admin::create_tenant(&self.base, ADMIN, name, &format!("{name}@example.com")).await?;
        Ok((created.id, created.token))
    }

    /// Sends a request the way agent v4 does (bearer, JSON content type).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
    ) -> anyhow::Result<(u16, reqwest::header::HeaderMap, Value)> {
        let req = match method {
            "GET" => self.http.get(self.url(path)),
            _ => self.http.post(self.url(path)),
        }
        .bearer_auth(token)
        .header("Content-Type", "application/json");
        let req = match body {
            Some(b) => req.body(b.to_owned()),
            None => req,
        };
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        let json = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("non-JSON answer {status}: {text:?} ({e})"))?;
        Ok((status, headers, json))
    }

    /// Registers an agent with the captured v4 body; returns its id.
    pub async fn register(&self, token: &str) -> anyhow::Result<String> {
        let body = fixture_body("post_agents_register")?.to_string();
        let (status, _, json) = self.send("POST", "/api/agents/register", token, Some(&body)).await?;
        anyhow::ensure!(status == 200, "register answered {status}: {json}");
        json["agent_id"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no agent_id in {json}"))
    }

    pub async fn heartbeat_count(&self, agent: &str) -> anyhow::Result<Option<(i64, String)>> {
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT heartbeat_count, status FROM lifecycle.agents WHERE agent_id = $1::uuid",
                [agent.into()],
            ))
            .await?;
        Ok(row
            .map(|r| Ok::<_, sea_orm::DbErr>((r.try_get("", "heartbeat_count")?, r.try_get("", "status")?)))
            .transpose()?)
    }
}

impl Drop for TestStack {
    fn drop(&mut self) {
        if let Some(stack) = self.stack.take() {
            stack.shutdown.trigger();
        }
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The body of a captured v4 request, verbatim.
pub fn fixture_body(name: &str) -> anyhow::Result<Value> {
    let path = repo_root().join("tests/fixtures/agent-v4").join(format!("{name}.json"));
    let capture: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    Ok(capture["body"].clone())
}
