//! The whole stack in-process for end-to-end tests: every service against a
//! private database and nats-server, driven over HTTP like an agent or an
//! operator would (spotctl's, the gateway's and the emergency service's
//! `tests/` start it).

pub use crate::eventually;
use crate::{TestDatabase, TestNats};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::Value;
use spot_platform::Shutdown;
use spot_stack::Stack;
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

    /// A started stack with one tenant; returns it and the tenant's token.
    pub async fn with_tenant(name: &str) -> anyhow::Result<(Self, String)> {
        let t = Self::start().await?;
        let (_, token) = t.tenant(name).await?;
        Ok((t, token))
    }

    /// [`TestStack::with_tenant`] and one agent of that tenant registered
    /// with the captured v4 body; returns the stack, the token and the agent id.
    pub async fn with_agent(tenant: &str) -> anyhow::Result<(Self, String, String)> {
        let (t, token) = Self::with_tenant(tenant).await?;
        let agent = t.register(&token).await?;
        Ok((t, token, agent))
    }

    /// [`TestStack::start`] with these settings (by env name) set first.
    pub async fn start_with_env(vars: &[(&str, &str)]) -> anyhow::Result<Self> {
        Self::start_with(|s| vars.iter().for_each(|(env, value)| s.source.set(env, *value))).await
    }

    /// [`TestStack::start`] with settings adjusted by `tune` first.
    pub async fn start_with(tune: impl FnOnce(&mut spot_platform::Settings)) -> anyhow::Result<Self> {
        crate::init_logs();
        let database = TestDatabase::create().await?;
        let nats = TestNats::start().await?;
        let mut settings = crate::settings(&database, &nats)?;
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

    /// Stops every service, letting them drain for up to 5 s (the database
    /// and the bus stay); [`TestStack::resume`] starts them again.
    pub async fn stop(&mut self) {
        if let Some(stack) = self.stack.take() {
            stack.stop(Duration::from_secs(5)).await;
        }
    }

    /// Starts the services again after [`TestStack::stop`], as new processes
    /// would (same settings, database and bus; new ports).
    pub async fn resume(&mut self) -> anyhow::Result<()> {
        if self.stack.is_none() {
            let stack = Stack::start(&self.settings, Shutdown::new()).await?;
            self.base = stack.gateway_url();
            self.stack = Some(stack);
        }
        Ok(())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates a tenant through the admin API; returns (id, token).
    pub async fn tenant(&self, name: &str) -> anyhow::Result<(String, String)> {
        let body = serde_json::json!({"name": name, "email": format!("{name}@example.com")}).to_string();
        let (status, _, created) = self.send("POST", "/api/admin/clients", ADMIN, Some(&body)).await?;
        anyhow::ensure!(status == 201, "tenant create answered {status}: {created}");
        let field = |key: &str| {
            created[key].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no {key} in {created}"))
        };
        Ok((field("id")?, field("token")?))
    }

    /// A request the way agent v4 sends it: bearer `token`, JSON content
    /// type, `body` as is (none: no body). `path` is a path on this stack's
    /// gateway or a whole URL (another gateway replica).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        let url = if path.starts_with("http") { path.to_owned() } else { self.url(path) };
        let req = self
            .http
            .request(reqwest::Method::from_bytes(method.as_bytes())?, url)
            .bearer_auth(token)
            .header("Content-Type", "application/json");
        Ok(match body {
            Some(b) => req.body(b.to_owned()),
            None => req,
        })
    }

    /// Sends [`TestStack::request`]; an answer that is not JSON is an error.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
    ) -> anyhow::Result<(u16, reqwest::header::HeaderMap, Value)> {
        let resp = self.request(method, path, token, body)?.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        let json = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("non-JSON answer {status}: {text:?} ({e})"))?;
        Ok((status, headers, json))
    }

    /// [`TestStack::request`] with an optional `X-Request-ID`; an empty
    /// answer comes back as `null`, one that is not JSON as a JSON string.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&str>,
        request_id: Option<&str>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self.request(method, path, token, body)?;
        if let Some(id) = request_id {
            req = req.header("X-Request-ID", id);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        let json = match text.as_str() {
            "" => Value::Null,
            _ => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        };
        Ok((status, json))
    }

    /// An agent's POST of `body` to its `endpoint` (`/api/agents/{agent}/{endpoint}`);
    /// returns the status and the JSON answer.
    pub async fn agent_post(
        &self,
        agent: &str,
        endpoint: &str,
        token: &str,
        body: &str,
    ) -> anyhow::Result<(u16, Value)> {
        let path = format!("/api/agents/{agent}/{endpoint}");
        let (status, _, answer) = self.send("POST", &path, token, Some(body)).await?;
        Ok((status, answer))
    }

    /// Agent v4's termination notice ([`TestStack::agent_post`] to `termination-imminent`).
    pub async fn notice(&self, agent: &str, token: &str, body: &str) -> anyhow::Result<(u16, Value)> {
        self.agent_post(agent, "termination-imminent", token, body).await
    }

    /// [`TestStack::notice`] `times` times over, each answered 200; returns the answers.
    pub async fn notices(
        &self,
        agent: &str,
        token: &str,
        body: &str,
        times: usize,
    ) -> anyhow::Result<Vec<Value>> {
        let mut answers = Vec::with_capacity(times);
        for _ in 0..times {
            let (status, answer) = self.notice(agent, token, body).await?;
            anyhow::ensure!(status == 200, "notice answered {status}: {answer}");
            answers.push(answer);
        }
        Ok(answers)
    }

    /// The agent's `pending-commands` answer, as agent v4 polls it.
    pub async fn pending_commands(&self, agent: &str, token: &str) -> anyhow::Result<Value> {
        let path = format!("/api/agents/{agent}/pending-commands");
        Ok(self.send("GET", &path, token, None).await?.2)
    }

    /// Registers an agent with the captured v4 body; returns its id.
    pub async fn register(&self, token: &str) -> anyhow::Result<String> {
        let body = fixture_body("post_agents_register")?.to_string();
        let (status, _, json) = self.send("POST", "/api/agents/register", token, Some(&body)).await?;
        anyhow::ensure!(status == 200, "register answered {status}: {json}");
        json["agent_id"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no agent_id in {json}"))
    }

    /// The one row `sql` selects, as a JSON object (`to_jsonb`).
    pub async fn row(&self, sql: &str) -> anyhow::Result<Value> {
        let r = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT to_jsonb(x) AS j FROM ({sql}) x"),
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no row for {sql}"))?;
        Ok(r.try_get::<Value>("", "j")?)
    }

    /// Waits up to 10 s for the row `sql` selects to satisfy `check`; returns it.
    pub async fn row_when(&self, sql: &str, check: impl Fn(&Value) -> bool) -> anyhow::Result<Value> {
        crate::eventually(sql, Duration::from_secs(10), async || self.row(sql).await, check).await
    }

    /// The `count(*)` `sql` selects.
    pub async fn count(&self, sql: &str) -> anyhow::Result<i64> {
        Ok(spot_platform::store::count(&self.db, sql).await?)
    }

    /// Waits up to `within` for the `count(*)` `sql` selects to satisfy
    /// `done` (failing with `what`); returns the count.
    pub async fn count_when(
        &self,
        what: &str,
        within: Duration,
        sql: &str,
        done: impl Fn(i64) -> bool,
    ) -> anyhow::Result<i64> {
        crate::eventually(what, within, async || self.count(sql).await, |n| done(*n)).await
    }

    /// [`TestStack::count`] with bound values.
    pub async fn count_with(&self, sql: &str, values: Vec<sea_orm::Value>) -> anyhow::Result<i64> {
        Ok(spot_platform::store::count_with(&self.db, sql, values).await?)
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
