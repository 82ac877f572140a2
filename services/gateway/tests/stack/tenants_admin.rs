//! Operators' API part 1 (docs/OPERATORS_API.md): tenants and named tokens
//! through the admin API, refusal on every gateway replica within a second,
//! the audit actor, tenant stats.

use crate::helpers::*;
use serde_json::Value;
use std::time::{Duration, Instant};

async fn validate(t: &TestStack, base: &str, token: &str) -> anyhow::Result<u16> {
    Ok(t.call("GET", &format!("{base}/api/client/validate"), token, None, None).await?.0)
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

    let (status, page) = t.call("GET", &admin("/api/admin/tenants?q=ACM"), ADMIN, None, None).await?;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], acme.as_str());
    assert_eq!((items[0]["live_tokens"].as_i64(), items[0]["status"].as_str()), (Some(1), Some("active")));

    // Paging: two pages of 2 and 1, nothing repeated.
    let (_, first) = t.call("GET", &admin("/api/admin/tenants?limit=2"), ADMIN, None, None).await?;
    let cursor =
        first["next_cursor"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("{first}"))?;
    let (_, second) = t
        .call("GET", &admin(&format!("/api/admin/tenants?limit=2&cursor={cursor}")), ADMIN, None, None)
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
        t.call("GET", &admin(&format!("/api/admin/tenants/{acme}")), ADMIN, None, None).await?;
    assert_eq!((status, one["email"].as_str()), (200, Some("acme@example.com")));
    let unknown = uuid::Uuid::now_v7();
    for path in [format!("/api/admin/tenants/{unknown}"), "/api/admin/tenants/not-a-uuid".into()] {
        let (status, body) = t.call("GET", &admin(&path), ADMIN, None, None).await?;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    let (status, _) = t.call("GET", &admin("/api/admin/tenants"), &acme_token, None, None).await?;
    assert_eq!(status, 401, "a tenant token is not an admin token");
    for bad in ["limit=0", "limit=501", "cursor=garbage"] {
        let (status, body) =
            t.call("GET", &admin(&format!("/api/admin/tenants?{bad}")), ADMIN, None, None).await?;
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
    let (status, minted) = t.call("POST", &tokens, ADMIN, Some(body), Some("mint-1")).await?;
    assert_eq!(status, 201, "{minted}");
    let ci = minted["secret"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("{minted}"))?;
    let ci_id = minted["id"].as_str().unwrap_or_default().to_owned();
    let (status, again) = t.call("POST", &tokens, ADMIN, Some(body), Some("mint-1")).await?;
    assert_eq!((status, again["id"].as_str(), &again["secret"]), (200, Some(ci_id.as_str()), &Value::Null));
    let (status, reused) =
        t.call("POST", &tokens, ADMIN, Some(r#"{"name": "other"}"#), Some("mint-1")).await?;
    assert_eq!((status, reused["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));
    let (status, taken) = t.call("POST", &tokens, ADMIN, Some(body), None).await?;
    assert_eq!((status, taken["error"]["code"].as_str()), (409, Some("token_name_taken")));
    let (status, invalid) = t.call("POST", &tokens, ADMIN, Some(r#"{"name": ""}"#), None).await?;
    assert_eq!((status, invalid["error"]["field"].as_str()), (400, Some("name")));

    // Both tokens work on both replicas (and warm both caches).
    for base in [t.base.as_str(), second.as_str()] {
        assert_eq!(validate(&t, base, &ci).await?, 200);
        assert_eq!(validate(&t, base, &first_token).await?, 200);
    }
    // Last use is recorded, never the secret.
    let (_, list) = t.call("GET", &tokens, ADMIN, None, None).await?;
    let listed = list["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 2);
    assert!(!list.to_string().contains(&ci), "the list never shows a secret");
    let list = async || Ok(t.call("GET", &tokens, ADMIN, None, None).await?.1);
    eventually("last_used_at set", Duration::from_secs(5), list, |list| {
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["id"] == ci_id.as_str() && i["last_used_at"].is_string())
    })
    .await?;

    // Revoking on replica 1: replica 2 refuses within a second.
    let revoke = t.url(&format!("/api/admin/tenants/{acme}/tokens/{ci_id}/revoke"));
    let (status, revoked) = t.call("POST", &revoke, ADMIN, None, None).await?;
    assert_eq!((status, revoked["revoked_at"].is_string()), (200, true));
    let took = refused_within(&t, &second, &ci, 401).await?;
    assert!(took < Duration::from_secs(1), "replica 2 refused the revoked token after {took:?}");
    assert_eq!(validate(&t, &t.base, &ci).await?, 401);
    assert_eq!(validate(&t, &second, &first_token).await?, 200, "the tenant's other token still works");
    let (status, _) = t.call("POST", &revoke, ADMIN, None, None).await?;
    assert_eq!(status, 200, "revoking twice is idempotent");

    // Suspension: refused everywhere within a second; resume restores.
    let suspend = t.url(&format!("/api/admin/tenants/{acme}/suspend"));
    let (status, suspended) = t.call("POST", &suspend, ADMIN, None, None).await?;
    assert_eq!((status, suspended["status"].as_str()), (200, Some("suspended")));
    let took = refused_within(&t, &second, &first_token, 403).await?;
    assert!(took < Duration::from_secs(1), "replica 2 refused the suspended tenant after {took:?}");
    let (status, _) = t.call("GET", &format!("{second}/api/agents"), &first_token, None, None).await?;
    assert_eq!(status, 401);
    let (status, _) =
        t.call("POST", &t.url(&format!("/api/admin/tenants/{acme}/resume")), ADMIN, None, None).await?;
    assert_eq!(status, 200);
    refused_within(&t, &second, &first_token, 200).await?;

    // Regenerate: the old secret is refused, the new one works, same name.
    let default_id =
        listed.iter().find(|i| i["name"] == "default").and_then(|i| i["id"].as_str()).unwrap_or_default();
    let regen = t.url(&format!("/api/admin/tenants/{acme}/tokens/{default_id}/regenerate"));
    let (status, fresh) = t.call("POST", &regen, ADMIN, None, Some("regen-1")).await?;
    assert_eq!((status, fresh["name"].as_str()), (201, Some("default")), "{fresh}");
    let new_secret = fresh["secret"].as_str().unwrap_or_default().to_owned();
    let took = refused_within(&t, &second, &first_token, 401).await?;
    assert!(took < Duration::from_secs(1));
    assert_eq!(validate(&t, &second, &new_secret).await?, 200);
    let (status, replay) = t.call("POST", &regen, ADMIN, None, Some("regen-1")).await?;
    assert_eq!(
        (status, replay["id"].clone(), replay["secret"].clone()),
        (200, fresh["id"].clone(), Value::Null)
    );
    let unknown = uuid::Uuid::now_v7();
    let (status, _) = t
        .call(
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
    let (status, deleted) = t.call("DELETE", &delete, ADMIN, None, None).await?;
    assert_eq!((status, deleted["status"].as_str()), (200, Some("deleted")));
    refused_within(&t, &second, &new_secret, 401).await?;
    let (status, _) = t.call("GET", &delete, ADMIN, None, None).await?;
    assert_eq!(status, 404);
    let (status, _) = t.call("DELETE", &delete, ADMIN, None, None).await?;
    assert_eq!(status, 200, "deleting twice answers the same");
    let (status, _) =
        t.call("DELETE", &t.url(&format!("/api/admin/tenants/{unknown}")), ADMIN, None, None).await?;
    assert_eq!(status, 404);
    let (_, page) = t.call("GET", &t.url("/api/admin/tenants"), ADMIN, None, None).await?;
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
    let (status, body) = t
        .call(
            "PATCH",
            &t.url(&format!("/api/agents/{agent}/settings")),
            &token,
            Some(r#"{"auto_switch": true}"#),
            Some("audit-1"),
        )
        .await?;
    assert_eq!(status, 200, "{body}");

    let (_, tokens) =
        t.call("GET", &t.url(&format!("/api/admin/tenants/{acme}/tokens")), ADMIN, None, None).await?;
    let token_id = tokens["items"][0]["id"].as_str().unwrap_or_default().to_owned();
    let (status, audit) =
        t.call("GET", &t.url(&format!("/api/audit?agent_id={agent}")), &token, None, None).await?;
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
        t.call("GET", &t.url(&format!("/api/admin/tenants/{acme}/stats?days=7")), ADMIN, None, None).await?;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["fleet_size"], 1);
    assert_eq!(stats["agents_online"], 1);
    assert_eq!(stats["online_percent"], 100.0);
    let growth = stats["registrations_per_day"].as_array().cloned().unwrap_or_default();
    assert_eq!(growth.len(), 7);
    assert_eq!(growth.last().map(|d| d["value"].clone()), Some(Value::from(1.0)));
    let (status, _) =
        t.call("GET", &t.url(&format!("/api/admin/tenants/{acme}/stats?days=0")), ADMIN, None, None).await?;
    assert_eq!(status, 400);
    Ok(())
}
