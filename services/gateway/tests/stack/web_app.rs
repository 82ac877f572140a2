//! The operators' web app is served at `/` (docs/DASHBOARD.md) without
//! taking over the API: unknown `/api` paths stay JSON 404s, and the field
//! dashboard's paths answer as before.

use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn root_serves_the_app_and_api_paths_stay_json() -> anyhow::Result<()> {
    let t = TestStack::start().await?;

    for path in ["/", "/groups/some-group", "/prices"] {
        let res = t.http.get(t.url(path)).send().await?;
        assert_eq!(res.status(), 200, "{path}");
        let ctype = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(ctype.starts_with("text/html"), "{path}: {ctype}");
        let body = res.text().await?;
        assert!(body.contains("Spot Optimizer"), "{path}: {body}");
    }

    for path in ["/api/nope", "/api", "/api/client/x/y/z"] {
        let res = t.http.get(t.url(path)).send().await?;
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await?;
        assert_eq!(body["error"]["code"], "route_not_found", "{path}");
    }

    // Writes to app paths are not the app's: JSON 404 as before.
    let res = t.http.post(t.url("/groups/x")).send().await?;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await?;
    assert_eq!(body["error"]["code"], "route_not_found");

    // The field dashboard's paths and the documented ones still answer JSON.
    let (client, token) = t.tenant("acme").await?;
    let res = t.http.get(t.url("/api/client/validate")).bearer_auth(&token).send().await?;
    assert_eq!(res.status(), 200);
    let res = t.http.get(t.url(&format!("/api/client/{client}/agents"))).bearer_auth(&token).send().await?;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await?["agents"].is_array());
    let res = t.http.get(t.url("/openapi.json")).send().await?;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await?["paths"].is_object());
    Ok(())
}
