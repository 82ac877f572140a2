//! Creating tenants through the admin API (`POST /api/admin/clients`).

use crate::error::SimError;
use serde::Deserialize;
use std::fmt;

/// A tenant created for the simulation.
#[derive(Clone, Deserialize)]
pub struct Tenant {
    /// Tenant (client) id.
    pub id: String,
    /// Bearer token of the tenant (shown once by the server).
    pub token: String,
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant").field("id", &self.id).field("token", &"<redacted>").finish()
    }
}

fn http_error(what: &str, detail: impl fmt::Display) -> SimError {
    SimError::Http { what: what.to_owned(), detail: detail.to_string() }
}

/// `POST /api/admin/clients {name, email}` with the admin token; returns
/// the new tenant's id and token.
pub async fn create_tenant(
    client: &reqwest::Client,
    base_url: &str,
    admin_token: &str,
    name: &str,
    email: &str,
) -> Result<Tenant, SimError> {
    let mut url = super::http::base_url(base_url)?;
    url.set_path("/api/admin/clients");
    let what = "create tenant";
    let response = client
        .post(url)
        .bearer_auth(admin_token)
        .json(&serde_json::json!({"name": name, "email": email}))
        .send()
        .await
        .map_err(|e| http_error(what, e))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| http_error(what, e))?;
    if !status.is_success() {
        let text: String = String::from_utf8_lossy(&body).chars().take(300).collect();
        return Err(http_error(what, format!("{status}: {text}")));
    }
    serde_json::from_slice(&body).map_err(|e| http_error(what, format!("unexpected answer: {e}")))
}

/// Creates `count` tenants named `<prefix>-<seed>-<n>` (emails under `sim.invalid`).
pub async fn create_tenants(
    client: &reqwest::Client,
    base_url: &str,
    admin_token: &str,
    prefix: &str,
    seed: u64,
    count: usize,
) -> Result<Vec<Tenant>, SimError> {
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let name = format!("{prefix}-{seed}-{n}");
        let email = format!("{name}@sim.invalid");
        out.push(create_tenant(client, base_url, admin_token, &name, &email).await?);
    }
    Ok(out)
}
