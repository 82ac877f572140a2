//! Calls to the gateway's admin API (`spotctl tenant create`, `spotctl
//! pricing consolidate`).

use serde::{Deserialize, Serialize};

/// The created tenant; the token is shown once.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedTenant {
    pub id: String,
    pub token: String,
}

/// `POST {api}/api/admin/clients` with the admin token.
pub async fn create_tenant(
    api_url: &str,
    admin_token: &str,
    name: &str,
    email: &str,
) -> anyhow::Result<CreatedTenant> {
    let body =
        post(api_url, "/api/admin/clients", admin_token, &serde_json::json!({"name": name, "email": email}))
            .await?;
    Ok(serde_json::from_value(body)?)
}

/// `POST {api}/api/admin/pricing/consolidate`: runs a consolidation now and
/// returns the job row (status, counts, duration).
pub async fn consolidate(
    api_url: &str,
    admin_token: &str,
    window_start: Option<&str>,
    window_end: Option<&str>,
) -> anyhow::Result<serde_json::Value> {
    let mut body = serde_json::Map::new();
    if let Some(s) = window_start {
        body.insert("window_start".into(), s.into());
    }
    if let Some(e) = window_end {
        body.insert("window_end".into(), e.into());
    }
    post(api_url, "/api/admin/pricing/consolidate", admin_token, &serde_json::Value::Object(body)).await
}

async fn post(
    api_url: &str,
    path: &str,
    admin_token: &str,
    body: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let url = format!("{}{path}", api_url.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .post(&url)
        .bearer_auth(admin_token)
        .json(body)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach the gateway at {url}: {e}"))?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        anyhow::bail!("gateway answered {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}
