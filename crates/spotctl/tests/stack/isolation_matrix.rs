//! The tenant isolation matrix (docs/HARDENING.md, "Tenant isolation"):
//! every operation of the served OpenAPI document, called by every kind of
//! caller, with the ids tenant A created in its path. Another tenant, a
//! revoked token, a suspended tenant, a malformed token and no token never
//! read or change A's data: A's ids answer 404 (401 on admin routes), a 2xx
//! answer holds none of A's ids, and the database is unchanged. Every
//! answer's status is one the document lists for that operation. The matrix
//! is printed.

use crate::helpers::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The kinds of caller, in the order they run: A's own and the admin last,
/// since their writes (deletes, suspensions) change what the others see.
const CALLERS: [&str; 7] = ["other", "revoked", "suspended", "malformed", "none", "own", "admin"];

/// Path parameters that name something a tenant owns.
const OWNED: [&str; 8] =
    ["agent_id", "replica_id", "command_id", "id", "client_id", "instance_id", "tenant_id", "token_id"];

/// What tenant A made, named as the path parameters name them.
struct Made {
    client: String,
    token: String,
    ids: BTreeMap<&'static str, String>,
}

async fn register_as(t: &TestStack, token: &str, instance: &str) -> anyhow::Result<String> {
    let mut body = fixture_body("post_agents_register")?;
    body["instance_id"] = json!(instance);
    body["logical_agent_id"] = json!(format!("group-{instance}"));
    let (status, _, answer) = t.send("POST", "/api/agents/register", token, Some(&body.to_string())).await?;
    anyhow::ensure!(status == 200, "register: {status} {answer}");
    answer["agent_id"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no agent_id: {answer}"))
}

/// A tenant with an agent, a queued command, a manual replica and a webhook.
async fn tenant_with_data(t: &TestStack, name: &str) -> anyhow::Result<Made> {
    let (client, token) = t.tenant(name).await?;
    let instance = format!("i-{name}-0001");
    let agent = register_as(t, &token, &instance).await?;
    let a = format!("/api/agents/{agent}");
    let switch = json!({"target_mode": "ondemand"}).to_string();
    let (_, _, command) = t.send("POST", &format!("{a}/issue-switch-command"), &token, Some(&switch)).await?;
    let replica_body = json!({"target_pool_id": ""}).to_string();
    let (_, _, replica) = t.send("POST", &format!("{a}/replicas"), &token, Some(&replica_body)).await?;
    let hook = json!({"url": "http://127.0.0.1:9/hook", "kinds": ["agent_offline"]}).to_string();
    let (_, _, webhook) = t.send("POST", "/api/webhooks", &token, Some(&hook)).await?;
    let text = |v: &Value, k: &str| v[k].as_str().map(str::to_owned).unwrap_or_else(|| format!("no-{k}"));
    let mut ids = BTreeMap::new();
    ids.insert("agent_id", agent);
    ids.insert("command_id", text(&command, "command_id"));
    ids.insert("replica_id", text(&replica, "replica_id"));
    ids.insert("id", text(&webhook, "id"));
    ids.insert("client_id", client.clone());
    ids.insert("tenant_id", client.clone());
    ids.insert("instance_id", instance);
    Ok(Made { client, token, ids })
}

/// A second token of tenant `client`, revoked; returns (token id, secret).
async fn revoked_token(t: &TestStack, client: &str) -> anyhow::Result<(String, String)> {
    let url = format!("/api/admin/tenants/{client}/tokens");
    let (status, _, minted) = t.send("POST", &url, ADMIN, Some(r#"{"name": "ci"}"#)).await?;
    anyhow::ensure!(status == 201, "mint: {status} {minted}");
    let id = minted["id"].as_str().unwrap_or_default().to_owned();
    let secret = minted["secret"].as_str().unwrap_or_default().to_owned();
    let (status, _, _) = t.send("POST", &format!("{url}/{id}/revoke"), ADMIN, None).await?;
    anyhow::ensure!(status == 200, "revoke: {status}");
    Ok((id, secret))
}

/// Fills a path template with A's ids (and harmless values elsewhere).
fn fill(template: &str, ids: &BTreeMap<&'static str, String>) -> String {
    template
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => match (param, ids.get(param)) {
                (_, Some(id)) => id.clone(),
                ("kind", None) => "agents".to_owned(),
                ("change", None) => "activate".to_owned(),
                ("pool_id", None) => "t3.medium.us-east-1a".to_owned(),
                _ => uuid::Uuid::now_v7().to_string(),
            },
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A body the operation's owner could send (the captured v4 bodies for agent
/// calls), `{}` elsewhere.
fn body_for(method: &str, template: &str) -> Option<String> {
    if method == "get" {
        return None;
    }
    let fixture = match template.rsplit('/').next().unwrap_or_default() {
        "register" => "post_agents_register",
        "heartbeat" => "post_heartbeat",
        "executed" => "post_commands_command_id_executed",
        "switch-report" => "post_switch-report",
        "pricing-report" => "post_pricing-report",
        "cleanup-report" => "post_cleanup-report",
        "termination-imminent" => "post_termination-imminent",
        "rebalance-recommendation" => "post_rebalance-recommendation",
        _ => return Some("{}".to_owned()),
    };
    fixture_body(fixture).ok().map(|b| b.to_string())
}

/// How far a call changes things, so the harmless run first.
fn danger(method: &str, template: &str) -> u8 {
    if template.starts_with("/api/admin/tenants/{tenant_id}") && method == "delete" {
        3
    } else if template.ends_with("/suspend") || template.ends_with("/resume") {
        2
    } else if method == "delete" || template.ends_with("/disable") || template.ends_with("/revoke") {
        1
    } else {
        0
    }
}

async fn call(
    t: &TestStack,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let method =
        reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut req = t.http.request(method, t.url(path)).header("Content-Type", "application/json");
    if let Some(auth) = auth {
        req = req.header("Authorization", auth);
    }
    if let Some(body) = body {
        req = req.body(body.to_owned());
    }
    let Ok(resp) = req.send().await else { return (0, "transport error".into()) };
    let status = resp.status().as_u16();
    // The live stream never ends: its status is all there is to see.
    if path == "/api/events/stream" {
        return (status, String::new());
    }
    (status, resp.text().await.unwrap_or_default())
}

#[tokio::test]
async fn no_caller_reads_or_changes_another_tenants_data() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let a = tenant_with_data(&t, "owner").await?;
    let b = tenant_with_data(&t, "intruder").await?;
    let c = tenant_with_data(&t, "suspended").await?;
    let (revoked_id, revoked) = revoked_token(&t, &a.client).await?;
    let (status, _, _) =
        t.send("POST", &format!("/api/admin/tenants/{}/suspend", c.client), ADMIN, None).await?;
    anyhow::ensure!(status == 200, "suspend: {status}");
    let mut ids = a.ids.clone();
    // Admin token routes act on the revoked token: revoking it again is harmless.
    ids.insert("token_id", revoked_id);

    let doc: Value = t.http.get(t.url("/openapi.json")).send().await?.json().await?;
    let mut operations: Vec<(String, String)> = Vec::new();
    for (template, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item[method].is_object() {
                operations.push((method.to_owned(), template.clone()));
            }
        }
    }
    operations.sort_by_key(|(m, p)| (danger(m, p), p.clone(), m.clone()));
    anyhow::ensure!(operations.len() > 50, "only {} operations documented", operations.len());

    let bearer = |token: &str| Some(format!("Bearer {token}"));
    let auth_of = |caller: &str| match caller {
        "own" => bearer(&a.token),
        "other" => bearer(&b.token),
        "revoked" => bearer(&revoked),
        "suspended" => bearer(&c.token),
        "malformed" => Some("Bearer not a token".to_owned()),
        "admin" => bearer(ADMIN),
        _ => None,
    };
    let secrets: Vec<&String> = a.ids.values().collect();
    let mut matrix: BTreeMap<(String, String), BTreeMap<&str, u16>> = BTreeMap::new();
    let mut failures = Vec::new();
    let before = state_of(&t, &a.client).await?;
    for caller in CALLERS {
        if caller == "own" {
            // Everything before this point may not have changed a thing.
            let after = state_of(&t, &a.client).await?;
            if after != before {
                failures
                    .push(format!("callers other than A and the admin changed state:\n{before}\n{after}"));
            }
        }
        let auth = auth_of(caller);
        for (method, template) in &operations {
            let path = fill(template, &ids);
            let body = body_for(method, template);
            let (status, text) = call(&t, method, &path, auth.as_deref(), body.as_deref()).await;
            matrix.entry((template.clone(), method.to_uppercase())).or_default().insert(caller, status);
            let documented = doc["paths"][template][method]["responses"][status.to_string()].is_object();
            if !documented {
                failures.push(format!(
                    "{caller}: {} {path} answered undocumented {status}: {text}",
                    method.to_uppercase()
                ));
            }
            if status >= 500 {
                failures
                    .push(format!("{caller}: {} {path} answered {status}: {text}", method.to_uppercase()));
            }
            if matches!(caller, "own" | "admin") {
                continue;
            }
            let names_a = OWNED.iter().any(|p| template.contains(&format!("{{{p}}}")));
            let public = matches!(template.as_str(), "/health" | "/openapi.json");
            if (200..300).contains(&status) && !public {
                if caller != "other" {
                    failures
                        .push(format!("{caller}: {} {path} was served ({status})", method.to_uppercase()));
                }
                if names_a {
                    failures
                        .push(format!("{caller}: {} {path} served A's id ({status})", method.to_uppercase()));
                }
                if let Some(leak) = secrets.iter().find(|id| text.contains(id.as_str())) {
                    failures
                        .push(format!("{caller}: {} {path} answer holds A's {leak}", method.to_uppercase()));
                }
            }
            if caller == "other" && names_a && !matches!(status, 401 | 404) {
                failures.push(format!("other: {} {path} answered {status}, not 404", method.to_uppercase()));
            }
        }
    }
    print_matrix(&matrix);
    println!(
        "{} operations x {} callers = {} calls",
        operations.len(),
        CALLERS.len(),
        operations.len() * CALLERS.len()
    );
    assert!(failures.is_empty(), "{} isolation failures:\n{}", failures.len(), failures.join("\n"));
    Ok(())
}

/// Counts and versions of everything of tenant `client` a call could
/// change, in both schemas.
async fn state_of(t: &TestStack, client: &str) -> anyhow::Result<String> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let row = t
        .db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "WITH g AS (SELECT id, version FROM lifecycle.groups WHERE client_id = $1::uuid)
             SELECT concat_ws('|',
                (SELECT count(*) || ':' || string_agg(status, ',' ORDER BY id) FROM lifecycle.commands
                  WHERE client_id = $1::uuid),
                (SELECT count(*) FROM lifecycle.switches WHERE client_id = $1::uuid),
                (SELECT string_agg(r.status || r.version, ',' ORDER BY r.id) FROM lifecycle.replicas r
                  JOIN g ON g.id = r.group_id),
                (SELECT string_agg(i.role || i.mode, ',' ORDER BY i.id) FROM lifecycle.instances i
                  JOIN g ON g.id = i.group_id),
                (SELECT sum(version) FROM g),
                (SELECT count(*) || ':' || sum(heartbeat_count) FROM lifecycle.agents WHERE client_id = $1::uuid),
                (SELECT count(*) FROM gateway.webhooks WHERE tenant_id = $1::uuid),
                (SELECT count(*) || ':' || count(revoked_at) FROM gateway.api_tokens WHERE tenant_id = $1::uuid),
                (SELECT status FROM gateway.tenants WHERE id = $1::uuid),
                (SELECT count(*) || ':' || count(deleted_at) FROM gateway.agents WHERE tenant_id = $1::uuid),
                (SELECT count(read_at) FROM gateway.notifications WHERE tenant_id = $1::uuid)) AS f",
            [client.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row"))?;
    Ok(row.try_get("", "f")?)
}

fn print_matrix(matrix: &BTreeMap<(String, String), BTreeMap<&str, u16>>) {
    let width = matrix.keys().map(|(p, m)| p.len() + m.len() + 1).max().unwrap_or(10);
    let mut header = format!("{:width$}", "operation \\ caller");
    for caller in CALLERS {
        header.push_str(&format!(" {caller:>9}"));
    }
    println!("{header}");
    for ((path, method), row) in matrix {
        let mut line = format!("{:width$}", format!("{method} {path}"));
        for caller in CALLERS {
            line.push_str(&format!(" {:>9}", row.get(caller).copied().unwrap_or(0)));
        }
        println!("{line}");
    }
}
