//! The served OpenAPI document covers every registered route, and every
//! schema it references is defined.

use crate::helpers::*;
use serde_json::Value;

/// `(method, path)` of every route in the gateway's route table: the
/// `method "path" => handler` rows of its `routes!` lists and every other
/// `.route(...)` call.
fn registered_routes() -> anyhow::Result<Vec<(String, String)>> {
    let source = std::fs::read_to_string(repo_root().join("services/gateway/src/routes/mod.rs"))?;
    let flat: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut raw: Vec<(String, String)> = source
        .lines()
        .filter_map(|line| {
            let (method, rest) = line.trim().split_once(" \"")?;
            let (path, _) = rest.split_once("\" => ")?;
            let known = ["get", "post", "put", "patch", "delete"].contains(&method);
            known.then(|| (method.to_owned(), path.to_owned()))
        })
        .collect();
    // `web::resource("/path")...route(web::post()...)` (a route with its own
    // app data) names its path once, before its routes.
    let mut resource = String::new();
    let mut calls = flat.split(".route(");
    let mut before = calls.next().unwrap_or_default();
    for call in calls {
        if let Some((_, rest)) = before.rsplit_once("web::resource(\"") {
            resource = rest.split('"').next().unwrap_or_default().to_owned();
        }
        before = call;
        let path = if call.trim_start().starts_with('"') {
            call.split('"').nth(1).unwrap_or_default()
        } else {
            resource.as_str()
        };
        let method = call.split("web::").nth(1).and_then(|m| m.split('(').next()).unwrap_or_default();
        // The `routes!` macro's own `.route($path, web::$method()..)`.
        if !method.starts_with('$') {
            raw.push((method.to_owned(), path.to_owned()));
        }
    }
    // `{kind:groups|...}` is documented as `{kind}`.
    let out: Vec<(String, String)> = raw
        .into_iter()
        .map(|(method, path)| match path.split_once(':') {
            Some((head, _)) if path.contains('{') => (method, format!("{head}}}")),
            _ => (method, path),
        })
        .collect();
    anyhow::ensure!(out.len() > 20, "route table not found");
    Ok(out)
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "$ref" {
                    out.extend(child.as_str().map(str::to_owned));
                }
                refs(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_documents_every_route_and_defines_every_schema() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let doc: Value = t.http.get(t.url("/openapi.json")).send().await?.json().await?;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for (method, path) in registered_routes()? {
        // The documents themselves (the AsyncAPI one: asyncapi.rs).
        if path == "/openapi.json" || path == "/asyncapi.yaml" {
            continue;
        }
        assert!(doc["paths"][&path][&method].is_object(), "{method} {path} is not documented");
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(doc["components"]["schemas"][name].is_object(), "{r} is referenced but not defined");
    }
    Ok(())
}
