use crate::helpers::*;

#[tokio::test]
async fn admin_api_creates_tenants_whose_token_is_stored_only_as_a_hash() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (id, token) = t.tenant("acme").await?;
    let (status, _, json) = t.send("GET", "/api/client/validate", &token, None).await?;
    assert_eq!(status, 200);
    assert_eq!(json["valid"], true);
    assert_eq!(json["client_id"], id.as_str());
    assert_eq!(json["email"], "acme@example.com");

    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let leaked = t
        .db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM gateway.api_tokens WHERE token_prefix = $1 OR encode(token_hash, 'escape') LIKE '%' || $1 || '%'",
            [token.clone().into()],
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?;
    assert_eq!(leaked, Some(0), "the token itself must not be stored");

    let body = r#"{"name": "x", "email": "x@example.com"}"#;
    let (status, _, json) = t.send("POST", "/api/admin/clients", "not-admin", Some(body)).await?;
    assert_eq!((status, json["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (status, _, json) = t.send("POST", "/api/admin/clients", &token, Some(body)).await?;
    assert_eq!(status, 401, "a tenant token is not an admin token: {json}");
    let (status, _, json) = t.send("POST", "/api/admin/clients", ADMIN, Some(r#"{"name": "x"}"#)).await?;
    assert_eq!((status, json["error"]["code"].as_str()), (400, Some("invalid_field")));
    Ok(())
}

#[tokio::test]
async fn every_service_reports_health_readiness_and_metrics() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let stack = t.stack.as_ref().ok_or_else(|| anyhow::anyhow!("stack"))?;
    for (name, addr) in stack.addresses() {
        for path in ["/healthz", "/readyz"] {
            let resp = t.http.get(format!("http://{addr}{path}")).send().await?;
            assert_eq!(resp.status().as_u16(), 200, "{name}{path}");
        }
        let metrics = t.http.get(format!("http://{addr}/metrics")).send().await?.text().await?;
        assert!(metrics.contains("spot_outbox_backlog"), "{name} metrics: {metrics}");
    }
    let (status, _, json) = t.send("GET", "/health", "", None).await?;
    assert_eq!((status, json["status"].as_str()), (200, Some("ok")));
    let metrics = t.http.get(t.url("/metrics")).send().await?.text().await?;
    assert!(metrics.contains("route=\"/health\""), "gateway counts requests per route: {metrics}");
    Ok(())
}
