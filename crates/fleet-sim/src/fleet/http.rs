//! Making an agent's [`Call`] over HTTP the way v4 does: bearer token and
//! `Content-Type: application/json` on every request (GETs too), JSON body,
//! one attempt, 30 s timeout; non-2xx, empty or non-JSON answers fail.

use crate::agent::{Answer, Call, Failure, Method};
use crate::error::SimError;
use crate::stats::FleetStats;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The shared HTTP side of a fleet.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    base: reqwest::Url,
    stats: Arc<FleetStats>,
}

/// The client a fleet uses: pooled connections, v4's timeout.
pub fn client(connections: usize, timeout: Duration) -> Result<reqwest::Client, SimError> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        // Below common server keep-alives (actix: 5 s) so a pooled connection
        // is not reused just as the server closes it, which would show up as
        // a transport error the server never caused.
        .pool_idle_timeout(Duration::from_secs(4))
        .timeout(timeout)
        // One attempt, like v4 (reqwest would otherwise clone every request
        // to be able to retry some transport errors).
        .retry(reqwest::retry::never())
        .tcp_nodelay(true)
        .build()
        .map_err(|e| SimError::Http { what: "build HTTP client".into(), detail: e.to_string() })
}

/// Parses the server URL. Like v4 (`urljoin(server, "/api/...")`), calls go
/// to absolute paths at the server root, dropping any path of the URL.
pub fn base_url(raw: &str) -> Result<reqwest::Url, SimError> {
    reqwest::Url::parse(raw).map_err(|e| SimError::InvalidConfig(format!("base_url {raw:?}: {e}")))
}

/// Builds the request for `call` (separate from sending so tests can check it).
pub fn request(
    client: &reqwest::Client,
    base: &reqwest::Url,
    token: &str,
    call: &Call,
) -> reqwest::RequestBuilder {
    let mut url = base.clone();
    url.set_path(&call.path);
    url.set_query(None);
    let mut rb = match call.method {
        Method::Get => client.get(url),
        Method::Post => client.post(url),
    };
    rb = rb.header(AUTHORIZATION, format!("Bearer {token}")).header(CONTENT_TYPE, "application/json");
    if let Some(id) = &call.request_id {
        rb = rb.header("X-Request-ID", id.as_str());
    }
    if let Some(body) = &call.body {
        rb = rb.body(body.to_string());
    }
    rb
}

impl Http {
    /// Wraps a client for the server at `base`.
    pub fn new(client: reqwest::Client, base: reqwest::Url, stats: Arc<FleetStats>) -> Self {
        Http { client, base, stats }
    }

    /// Sends `call` with the tenant's token and records it in the stats.
    pub async fn execute(&self, token: &str, call: &Call) -> Answer {
        let started = Instant::now();
        let result = self.send(token, call).await;
        let latency = started.elapsed();
        let outcome = result.as_ref().map(|(status, _)| *status).map_err(|f| *f);
        self.stats.record_call(call.endpoint, latency, outcome);
        Answer { result: result.map(|(_, v)| v), latency }
    }

    async fn send(&self, token: &str, call: &Call) -> Result<(u16, serde_json::Value), Failure> {
        let response =
            request(&self.client, &self.base, token, call).send().await.map_err(|_| Failure::Transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|_| Failure::Transport)?;
        if !(200..300).contains(&status) {
            return Err(Failure::Status(status));
        }
        serde_json::from_slice(&body).map(|v| (status, v)).map_err(|_| Failure::NotJson(status))
    }
}
