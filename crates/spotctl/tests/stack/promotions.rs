//! Promotion under contention: one winner, 409 for everyone else, one PRIMARY.

use crate::helpers::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

async fn primaries(t: &TestStack, agent: &str) -> anyhow::Result<Vec<String>> {
    let rows = t
        .db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT i.instance_id FROM lifecycle.instances i JOIN lifecycle.agents a ON a.group_id = i.group_id
             WHERE a.agent_id = $1::uuid AND i.role = 'PRIMARY'",
            [agent.into()],
        ))
        .await?;
    Ok(rows.iter().filter_map(|r| r.try_get::<String>("", "instance_id").ok()).collect())
}

async fn ready_replica(t: &TestStack, token: &str, agent: &str, instance: &str) -> anyhow::Result<String> {
    let body = json!({"instance_id": instance, "replica_type": "manual", "parent_instance_id": "i-0414c8d1bb16a226c",
                      "pool_id": "t3.medium.us-east-1a", "status": "ready"});
    let (status, _, answer) =
        t.send("POST", &format!("/api/agents/{agent}/replicas"), token, Some(&body.to_string())).await?;
    anyhow::ensure!(status == 200, "replica create {status}: {answer}");
    Ok(answer["replica_id"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn fifty_concurrent_promotions_one_winner() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let replica = ready_replica(&t, &token, &agent, "i-replica-1").await?;
    let path = format!("/api/agents/{agent}/replicas/{replica}/promote");
    let calls = (0..50).map(|_| t.send("POST", &path, &token, Some("{}")));
    let results = futures::future::join_all(calls).await;
    let mut ok = 0;
    let mut conflicts = 0;
    for r in results {
        let (status, _, body) = r?;
        match status {
            200 => ok += 1,
            409 => {
                conflicts += 1;
                assert!(body["error"]["code"].is_string(), "{body}");
            }
            other => anyhow::bail!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 49));
    assert_eq!(primaries(&t, &agent).await?, vec!["i-replica-1".to_owned()]);
    Ok(())
}

#[tokio::test]
async fn stale_expected_version_loses_across_different_replicas() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let mut replicas = Vec::new();
    for i in 0..5 {
        replicas.push(ready_replica(&t, &token, &agent, &format!("i-r{i}")).await?);
    }
    let (_, _, settings) = t.send("GET", &format!("/api/agents/{agent}/settings"), &token, None).await?;
    let version = settings["version"].as_i64().unwrap_or_default();
    let body = json!({"expected_version": version}).to_string();
    let calls = (0..50).map(|i| {
        let path = format!("/api/agents/{agent}/replicas/{}/promote", replicas[i % replicas.len()]);
        let body = body.clone();
        let t = &t;
        let token = token.clone();
        async move { t.send("POST", &path, &token, Some(&body)).await }
    });
    let statuses: Vec<u16> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.map(|(s, _, _)| s))
        .collect::<Result<_, _>>()?;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 49);
    assert_eq!(primaries(&t, &agent).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn settings_reject_auto_switch_with_manual_replica() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let path = format!("/api/agents/{agent}/settings");
    let patch = |b: serde_json::Value| {
        let path = path.clone();
        let token = token.clone();
        let t = &t;
        async move {
            let resp = t.http.patch(t.url(&path)).bearer_auth(&token).json(&b).send().await?;
            let status = resp.status().as_u16();
            anyhow::Ok((status, resp.json::<serde_json::Value>().await?))
        }
    };
    let (status, body) = patch(json!({"auto_switch": true})).await?;
    assert_eq!((status, body["auto_switch"].clone()), (200, json!(true)));
    let (status, body) = patch(json!({"manual_replica": true})).await?;
    assert_eq!((status, body["error"]["code"].clone()), (409, json!("auto_switch_manual_replica_conflict")));
    let (status, body) = patch(json!({"min_savings_percent": 150})).await?;
    assert_eq!((status, body["error"]["code"].clone()), (400, json!("invalid_field")));
    let (status, body) =
        patch(json!({"auto_switch": false, "manual_replica": true, "auto_terminate": true})).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["manual_replica"].clone(), body["auto_terminate"].clone()), (json!(true), json!(true)));
    Ok(())
}
