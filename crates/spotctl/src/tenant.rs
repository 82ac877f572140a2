//! `spotctl tenant create`: calls the gateway's admin API.

use serde::{Deserialize, Serialize};

/// The created tenant; the token is shown once.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedTenant {
    pub id: String,
    pub token: String,
}

/// `POST {api}/api/admin/clients` with the admin token.
pub async fn create(
    api_url: &str,
    admin_token: &str,
    name: &str,
    email: &str,
) -> anyhow::Result<CreatedTenant> {
    let url = format!("{}/api/admin/clients", api_url.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .post(&url)
        .bearer_auth(admin_token)
        .json(&serde_json::json!({"name": name, "email": email}))
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach the gateway at {url}: {e}"))?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        anyhow::bail!("gateway answered {status}: {body}");
    }
    Ok(serde_json::from_str(&body)?)
}
