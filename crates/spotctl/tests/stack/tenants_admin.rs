//! Operators' API part 1 (docs/OPERATORS_API.md): tenants and named tokens
//! through the admin API, refusal on every gateway replica within a second,
//! the audit actor, tenant stats.

use crate::helpers::*;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Any method against any gateway, optionally with an `X-Request-ID`.
async fn call(
    t: &TestStack,
    method: &str,
    url: &str,
    token: &str,
    body: Option<&str>,
    request_id: Option<&str>,
) -> anyhow::Result<(u16, Value)> {
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    let mut req = t.http.request(method, url).bearer_auth(token).header("Content-Type", "application/json");
    if let Some(id) = request_id {
        req = req.header("X-Request-ID", id);
    }
    if let Some(b) = body {
        req = req.body(b.to_owned());
    }
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let text = resp.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

async fn validate(t: &TestStack, base: &str, token: &str) -> anyhow::Result<u16> {
    Ok(call(t, "GET", &format!("{base}/api/client/validate"), token, None, None).await?.0)
}

/// Polls until `base` answers `want` to the token; returns how long it took.
async fn refused_within(t: &TestStack, base: &str, token: &str, want: u16) -> anyhow::Result<Duration> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if validate(t, base, token).await? == want {
            return Ok(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::bail!("{base} never answered {want}")
}

#[tokio::test]
async fn tenants_are_listed_searched_paged_and_fetched() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (acme, acme_token) = t.tenant("acme").await?;
    t.tenant("beta").await?;
    t.tenant("gamma").await?;
    let admin = |path: &str| t.url(path);

    let (status, page) = call(&t, "GET", &admin("/api/admin/tenants?q=ACM"), ADMIN, None, None).await?;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], acme.as_str());
    assert_eq!((items[0]["live_tokens"].as_i64(), items[0]["status"].as_str()), (Some(1), Some("active")));

    // Paging: two pages of 2 and 1, nothing repeated.
    let (_, first) = call(&t, "GET", &admin("/api/admin/tenants?limit=2"), ADMIN, None, None).await?;
    let cursor =
        first["next_cursor"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("{first}"))?;
    let (_, second) =
        call(&t, "GET", &admin(&format!("/api/admin/tenants?limit=2&cursor={cursor}")), ADMIN, None, None)
            .await?;
    let names: Vec<&str> = first["items"]
        .as_array()
        .into_iter()
        .chain(second["items"].as_array())
        .flatten()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(names, ["gamma", "beta", "acme"]);
    assert_eq!(second["next_cursor"], Value::Null);

    // One tenant; unknown, malformed and the tenant's own token.
    let (status, one) =
        call(&t, "GET", &admin(&format!("/api/admin/tenants/{acme}")), ADMIN, None, None).await?;
    assert_eq!((status, one["email"].as_str()), (200, Some("acme@example.com")));
    let unknown = uuid::Uuid::now_v7();
    for path in [format!("/api/admin/tenants/{unknown}"), "/api/admin/tenants/not-a-uuid".into()] {
        let (status, body) = call(&t, "GET", &admin(&path), ADMIN, None, None).await?;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    let (status, _) = call(&t, "GET", &admin("/api/admin/tenants"), &acme_token, None, None).await?;
    assert_eq!(status, 401, "a tenant token is not an admin token");
    for bad in ["limit=0", "limit=501", "cursor=garbage"] {
        let (status, body) =
            call(&t, "GET", &admin(&format!("/api/admin/tenants?{bad}")), ADMIN, None, None).await?;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")), "{bad}: {body}");
        assert!(body["error"]["field"].is_string(), "{body}");
    }
    Ok(())
}

#[tokio::test]
async fn named_tokens_are_minted_once_replayed_and_refused_by_every_replica_within_a_second()
-> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (acme, first_token) = t.tenant("acme").await?;
    let (second, _replica) = t.second_gateway().await?;
    let tokens = t.url(&format!("/api/admin/tenants/{acme}/tokens"));

    // Mint "ci" with a retry key: the secret once, then the same token without it.
    let body = r#"{"name": "ci"}"#;
    let (status, minted) = call(&t, "POST", &tokens, ADMIN, Some(body), Some("mint-1")).await?;
    assert_eq!(status, 201, "{minted}");
    let ci = minted["secret"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("{minted}"))?;
    let ci_id = minted["id"].as_str().unwrap_or_default().to_owned();
    let (status, again) = call(&t, "POST", &tokens, ADMIN, Some(body), Some("mint-1")).await?;
    assert_eq!((status, again["id"].as_str(), &again["secret"]), (200, Some(ci_id.as_str()), &Value::Null));
    let (status, reused) =
        call(&t, "POST", &tokens, ADMIN, Some(r#"{"name": "other"}"#), Some("mint-1")).await?;
    assert_eq!((status, reused["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));
    let (status, taken) = call(&t, "POST", &tokens, ADMIN, Some(body), None).await?;
    assert_eq!((status, taken["error"]["code"].as_str()), (409, Some("token_name_taken")));
    let (status, invalid) = call(&t, "POST", &tokens, ADMIN, Some(r#"{"name": ""}"#), None).await?;
    assert_eq!((status, invalid["error"]["field"].as_str()), (400, Some("name")));

    // Both tokens work on both replicas (and warm both caches).
    for base in [t.base.as_str(), second.as_str()] {
        assert_eq!(validate(&t, base, &ci).await?, 200);
        assert_eq!(validate(&t, base, &first_token).await?, 200);
    }
    // Last use is recorded, never the secret.
    let (_, list) = call(&t, "GET", &tokens, ADMIN, None, None).await?;
    let listed = list["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 2);
    assert!(!list.to_string().contains(&ci), "the list never shows a secret");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, list) = call(&t, "GET", &tokens, ADMIN, None, None).await?;
        let used =
            list["items"].as_array().into_iter().flatten().find(|i| i["id"] == ci_id.as_str()).cloned();
        if used.is_some_and(|u| u["last_used_at"].is_string()) {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "last_used_at never set: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Revoking on replica 1: replica 2 refuses within a second.
    let revoke = t.url(&format!("/api/admin/tenants/{acme}/tokens/{ci_id}/revoke"));
    let (status, revoked) = call(&t, "POST", &revoke, ADMIN, None, None).await?;
    assert_eq!((status, revoked["revoked_at"].is_string()), (200, true));
    let took = refused_within(&t, &second, &ci, 401).await?;
    assert!(took < Duration::from_secs(1), "replica 2 refused the revoked token after {took:?}");
    assert_eq!(validate(&t, &t.base, &ci).await?, 401);
    assert_eq!(validate(&t, &second, &first_token).await?, 200, "the tenant's other token still works");
    let (status, _) = call(&t, "POST", &revoke, ADMIN, None, None).await?;
    assert_eq!(status, 200, "revoking twice is idempotent");

    // Suspension: refused everywhere within a second; resume restores.
    let suspend = t.url(&format!("/api/admin/tenants/{acme}/suspend"));
    let (status, suspended) = call(&t, "POST", &suspend, ADMIN, None, None).await?;
    assert_eq!((status, suspended["status"].as_str()), (200, Some("suspended")));
    let took = refused_within(&t, &second, &first_token, 403).await?;
    assert!(took < Duration::from_secs(1), "replica 2 refused the suspended tenant after {took:?}");
    let (status, _) = call(&t, "GET", &format!("{second}/api/agents"), &first_token, None, None).await?;
    assert_eq!(status, 401);
    let (status, _) =
        call(&t, "POST", &t.url(&format!("/api/admin/tenants/{acme}/resume")), ADMIN, None, None).await?;
    assert_eq!(status, 200);
    refused_within(&t, &second, &first_token, 200).await?;

    // Regenerate: the old secret is refused, the new one works, same name.
    let default_id =
        listed.iter().find(|i| i["name"] == "default").and_then(|i| i["id"].as_str()).unwrap_or_default();
    let regen = t.url(&format!("/api/admin/tenants/{acme}/tokens/{default_id}/regenerate"));
    let (status, fresh) = call(&t, "POST", &regen, ADMIN, None, Some("regen-1")).await?;
    assert_eq!((status, fresh["name"].as_str()), (201, Some("default")), "{fresh}");
    let new_secret = fresh["secret"].as_str().unwrap_or_default().to_owned();
    let took = refused_within(&t, &second, &first_token, 401).await?;
    assert!(took < Duration::from_secs(1));
    assert_eq!(validate(&t, &second, &new_secret).await?, 200);
    let (status, replay) = call(&t, "POST", &regen, ADMIN, None, Some("regen-1")).await?;
    assert_eq!(
        (status, replay["id"].clone(), replay["secret"].clone()),
        (200, fresh["id"].clone(), Value::Null)
    );
    let unknown = uuid::Uuid::now_v7();
    let (status, _) = call(
        &t,
        "POST",
        &t.url(&format!("/api/admin/tenants/{acme}/tokens/{unknown}/revoke")),
        ADMIN,
        None,
        None,
    )
    .await?;
    assert_eq!(status, 404);

    // Delete: a tombstone, every token refused, 404 afterwards, repeatable.
    let other = t.tenant("beta").await?;
    let delete = t.url(&format!("/api/admin/tenants/{acme}"));
    let (status, deleted) = call(&t, "DELETE", &delete, ADMIN, None, None).await?;
    assert_eq!((status, deleted["status"].as_str()), (200, Some("deleted")));
    refused_within(&t, &second, &new_secret, 401).await?;
    let (status, _) = call(&t, "GET", &delete, ADMIN, None, None).await?;
    assert_eq!(status, 404);
    let (status, _) = call(&t, "DELETE", &delete, ADMIN, None, None).await?;
    assert_eq!(status, 200, "deleting twice answers the same");
    let (status, _) =
        call(&t, "DELETE", &t.url(&format!("/api/admin/tenants/{unknown}")), ADMIN, None, None).await?;
    assert_eq!(status, 404);
    let (_, page) = call(&t, "GET", &t.url("/api/admin/tenants"), ADMIN, None, None).await?;
    let ids: Vec<&str> =
        page["items"].as_array().into_iter().flatten().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids, [other.0.as_str()]);
    Ok(())
}

#[tokio::test]
async fn the_audit_actor_is_the_token_id_and_stats_count_the_fleet() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (acme, token) = t.tenant("acme").await?;
    let agent = t.register(&token).await?;
    let (status, body) = call(
        &t,
        "PATCH",
        &t.url(&format!("/api/agents/{agent}/settings")),
        &token,
        Some(r#"{"auto_switch": true}"#),
        Some("audit-1"),
    )
    .await?;
    assert_eq!(status, 200, "{body}");

    let (_, tokens) =
        call(&t, "GET", &t.url(&format!("/api/admin/tenants/{acme}/tokens")), ADMIN, None, None).await?;
    let token_id = tokens["items"][0]["id"].as_str().unwrap_or_default().to_owned();
    let (status, audit) =
        call(&t, "GET", &t.url(&format!("/api/audit?agent_id={agent}")), &token, None, None).await?;
    assert_eq!(status, 200, "{audit}");
    let changed = audit["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["event_type"] == "settings_changed")
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no settings_changed in {audit}"))?;
    assert_eq!(changed["actor"], format!("token:{token_id}").as_str());
    assert_eq!(changed["request_id"], "audit-1");
    let secret_part = &token[5..12];
    assert!(!audit.to_string().contains(secret_part), "no characters of the secret in the audit log");

    let (status, stats) =
        call(&t, "GET", &t.url(&format!("/api/admin/tenants/{acme}/stats?days=7")), ADMIN, None, None)
            .await?;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["fleet_size"], 1);
    assert_eq!(stats["agents_online"], 1);
    assert_eq!(stats["online_percent"], 100.0);
    let growth = stats["registrations_per_day"].as_array().cloned().unwrap_or_default();
    assert_eq!(growth.len(), 7);
    assert_eq!(growth.last().map(|d| d["value"].clone()), Some(Value::from(1.0)));
    let (status, _) =
        call(&t, "GET", &t.url(&format!("/api/admin/tenants/{acme}/stats?days=0")), ADMIN, None, None)
            .await?;
    assert_eq!(status, 400);
    Ok(())
}
