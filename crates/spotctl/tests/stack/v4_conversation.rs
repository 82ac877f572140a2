//! A whole v4 agent conversation with the captured request bodies: register,
//! heartbeats, a manual switch command, the switch report, executed, the new
//! instance's agent registering. Run with `--nocapture` to see the wire.

use crate::helpers::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use std::time::Duration;

const OLD: &str = "i-0414c8d1bb16a226c";

async fn wire(
    t: &TestStack,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> anyhow::Result<(u16, Value)> {
    let text = body.map(Value::to_string);
    let (status, _, answer) = t.send(method, path, token, text.as_deref()).await?;
    println!(">>> {method} {path}\n{}\n<<< {status}\n{answer}\n", text.unwrap_or_default());
    Ok((status, answer))
}

async fn scalar(t: &TestStack, sql: &str, arg: &str) -> anyhow::Result<Value> {
    let row =
        t.db.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT to_jsonb(x) AS v FROM ({sql}) x"),
            [arg.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row for {sql}"))?;
    Ok(row.try_get::<Value>("", "v")?)
}

#[tokio::test]
async fn a_v4_agent_lives_through_a_manual_switch() -> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;

    // 1. register, verbatim (client_token inside the body is ignored).
    let register = fixture_body("post_agents_register")?;
    let (status, answer) = wire(&t, "POST", "/api/agents/register", &token, Some(&register)).await?;
    assert_eq!(status, 200);
    assert_eq!(answer["config"], json!({"enabled": true}));
    let old_agent = answer["agent_id"].as_str().unwrap_or_default().to_owned();
    let base = format!("/api/agents/{old_agent}");

    // 2. heartbeats and the 60 s config poll.
    for _ in 0..2 {
        let (status, _) =
            wire(&t, "POST", &format!("{base}/heartbeat"), &token, Some(&fixture_body("post_heartbeat")?))
                .await?;
        assert_eq!(status, 200);
    }
    assert_eq!(
        wire(&t, "GET", &format!("{base}/config"), &token, None).await?,
        (200, json!({"enabled": true}))
    );
    assert_eq!(wire(&t, "GET", &format!("{base}/pending-commands"), &token, None).await?, (200, json!([])));

    // 3. an operator queues a manual switch.
    let order = json!({"target_mode": "spot", "target_pool_id": "t3.medium.us-east-1b"});
    let resp = t
        .http
        .post(t.url(&format!("{base}/issue-switch-command")))
        .bearer_auth(&token)
        .header("X-Request-ID", "op-switch-1")
        .json(&order)
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 201);
    let command: Value = resp.json().await?;
    println!(
        ">>> POST {base}/issue-switch-command (X-Request-ID: op-switch-1)\n{order}\n<<< 201\n{command}\n"
    );
    let command_id = command["id"].as_str().unwrap_or_default().to_owned();

    // 4. the 15 s poll hands it over: a bare list, v4 fields.
    let (status, list) = wire(&t, "GET", &format!("{base}/pending-commands"), &token, None).await?;
    assert_eq!(status, 200);
    assert_eq!(list[0]["id"], command_id.as_str());
    assert_eq!(list[0]["target_mode"], "spot");
    assert_eq!(list[0]["target_pool_id"], "t3.medium.us-east-1b");
    assert_eq!(list[0]["priority"], 75);

    // 5. the switch report (captured body; instance ids are this agent's).
    let mut report = fixture_body("post_switch-report")?;
    report["old_instance"]["instance_id"] = json!(OLD);
    let new_instance = report["new_instance"]["instance_id"].as_str().unwrap_or_default().to_owned();
    let (status, answer) = wire(&t, "POST", &format!("{base}/switch-report"), &token, Some(&report)).await?;
    assert_eq!(status, 200, "{answer}");
    let downtime = answer["downtime_seconds"].as_f64().unwrap_or_default();
    assert!((downtime - 2.010802).abs() < 1e-6, "downtime {downtime}");

    // 6. executed, verbatim.
    let executed = fixture_body("post_commands_command_id_executed")?;
    let (status, _) =
        wire(&t, "POST", &format!("{base}/commands/{command_id}/executed"), &token, Some(&executed)).await?;
    assert_eq!(status, 200);
    assert_eq!(wire(&t, "GET", &format!("{base}/pending-commands"), &token, None).await?, (200, json!([])));

    // 7. the new instance's agent registers: it is the PRIMARY now.
    let mut new_register = register.clone();
    new_register["instance_id"] = json!(new_instance);
    new_register["az"] = json!("us-east-1b");
    let (status, answer) = wire(&t, "POST", "/api/agents/register", &token, Some(&new_register)).await?;
    assert_eq!(status, 200);
    assert_eq!(answer["config"], json!({"enabled": true}));
    assert_ne!(answer["agent_id"], old_agent.as_str());

    // 8. the old agent is told to go passive.
    let config = async || wire(&t, "GET", &format!("{base}/config"), &token, None).await;
    eventually("the old agent disabled", Duration::from_secs(5), config, |(_, c)| {
        *c == json!({"enabled": false})
    })
    .await?;

    // 9. the database agrees.
    let roles = scalar(
        &t,
        "SELECT json_object_agg(i.instance_id, i.role) AS roles FROM lifecycle.instances i
         JOIN lifecycle.agents a ON a.group_id = i.group_id WHERE a.agent_id = $1::uuid",
        &old_agent,
    )
    .await?;
    assert_eq!(roles["roles"], json!({OLD: "ZOMBIE", new_instance.as_str(): "PRIMARY"}));
    let sw = scalar(
        &t,
        "SELECT downtime_seconds, total_seconds, trigger, actor, old_role_after, command_id::text AS command_id
         FROM lifecycle.switches WHERE agent_id = $1::uuid",
        &old_agent,
    )
    .await?;
    assert!((sw["downtime_seconds"].as_f64().unwrap_or_default() - 2.010802).abs() < 1e-6);
    assert!((sw["total_seconds"].as_f64().unwrap_or_default() - 3.112472).abs() < 1e-6);
    assert_eq!(sw["trigger"], "manual");
    assert_eq!(sw["command_id"], command_id.as_str());
    // The audit actor is the token id, never characters of the secret.
    assert!(sw["actor"].as_str().is_some_and(|a| a.starts_with("token:")), "{sw}");
    let cmd =
        scalar(&t, "SELECT status, actor FROM lifecycle.commands WHERE id = $1::uuid", &command_id).await?;
    assert_eq!(cmd["status"], "succeeded");
    let audit = scalar(
        &t,
        "SELECT count(*) AS n FROM lifecycle.lifecycle_events e JOIN lifecycle.agents a ON a.group_id = e.group_id
         WHERE a.agent_id = $1::uuid",
        &old_agent,
    )
    .await?;
    assert!(audit["n"].as_i64().unwrap_or_default() >= 4, "audit rows: {audit}");

    // 10. a repeated report changes nothing.
    let (status, answer) = wire(&t, "POST", &format!("{base}/switch-report"), &token, Some(&report)).await?;
    assert_eq!((status, answer["duplicate"].clone()), (200, json!(true)));
    Ok(())
}
