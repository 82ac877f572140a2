use crate::helpers::*;

/// method, path, token, body, expected status, expected error code
type Case<'a> = (&'a str, String, &'a str, Option<String>, u16, &'a str);

#[tokio::test]
async fn bad_input_gets_a_typed_4xx_and_never_a_5xx() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let (_, other_token) = t.tenant("other").await?;
    let hb = fixture_body("post_heartbeat")?.to_string();
    let path = format!("/api/agents/{agent}/heartbeat");

    let cases: Vec<Case> = vec![
        ("POST", path.clone(), token.as_str(), Some("{not json".into()), 400, "malformed_json"),
        ("POST", path.clone(), token.as_str(), Some(String::new()), 400, "malformed_json"),
        ("POST", path.clone(), token.as_str(), Some("[1,2]".into()), 400, "invalid_field"),
        ("POST", path.clone(), token.as_str(), Some(r#"{"status": 5}"#.into()), 400, "invalid_field"),
        ("POST", path.clone(), token.as_str(), Some(r#"{"status": "dancing"}"#.into()), 400, "invalid_field"),
        (
            "POST",
            path.clone(),
            token.as_str(),
            Some(r#"{"monitored_instances": "i-1"}"#.into()),
            400,
            "invalid_field",
        ),
        ("POST", path.clone(), "wrong-token", Some(hb.clone()), 401, "unauthorized"),
        ("POST", path.clone(), other_token.as_str(), Some(hb.clone()), 404, "agent_not_found"),
        (
            "POST",
            format!("/api/agents/{}/heartbeat", uuid::Uuid::now_v7()),
            token.as_str(),
            Some(hb.clone()),
            404,
            "agent_not_found",
        ),
        (
            "POST",
            "/api/agents/not-a-uuid/heartbeat".into(),
            token.as_str(),
            Some(hb.clone()),
            400,
            "invalid_field",
        ),
        (
            "POST",
            "/api/agents/register".into(),
            token.as_str(),
            Some(r#"{"hostname": "vm"}"#.into()),
            400,
            "invalid_field",
        ),
        (
            "POST",
            "/api/agents/register".into(),
            token.as_str(),
            Some(r#"{"instance_id": "i-1", "mode": "lease"}"#.into()),
            400,
            "invalid_field",
        ),
        (
            "POST",
            "/api/agents/register".into(),
            token.as_str(),
            Some("\u{0}\u{1}".into()),
            400,
            "malformed_json",
        ),
        ("GET", "/api/client/validate".into(), "nope", None, 401, "unauthorized"),
    ];
    for (method, path, tok, body, want_status, want_code) in cases {
        let (status, _, json) = t.send(method, &path, tok, body.as_deref()).await?;
        assert_eq!(
            (status, json["error"]["code"].as_str()),
            (want_status, Some(want_code)),
            "{method} {path} {body:?}: {json}"
        );
    }
    // Nothing bad was applied: the agent saw no heartbeat.
    assert_eq!(t.heartbeat_count(&agent).await?, Some((0, "online".into())));
    // Unknown fields and nulls are fine.
    let tolerant =
        r#"{"status": "online", "monitored_instances": null, "instance_id": null, "extra": {"x": 1}}"#;
    let (status, _, _) = t.send("POST", &path, &token, Some(tolerant)).await?;
    assert_eq!(status, 200);
    Ok(())
}

#[tokio::test]
async fn oversized_bodies_unknown_routes_and_methods_get_json_errors() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let huge = format!("{{\"status\": \"online\", \"pad\": \"{}\"}}", "x".repeat(2 << 20));
    let (status, _, body) =
        t.send("POST", &format!("/api/agents/{agent}/heartbeat"), &token, Some(&huge)).await?;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("payload_too_large")));
    let (status, _, body) = t.send("GET", "/api/nothing-here", &token, None).await?;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("route_not_found")));
    let (status, _, body) = t.send("GET", &format!("/api/agents/{agent}/heartbeat"), &token, None).await?;
    assert!(status == 404 || status == 405, "{status}: {body}");
    assert!(body["error"]["code"].is_string());
    let (status, _, body) = t.send("GET", "/api/agents?limit=lots", &token, None).await?;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")));
    Ok(())
}
