//! Static checks of docker-compose.yml (no Docker engine here).

use crate::helpers::repo_root;

const SERVICES: [&str; 5] = ["gateway", "lifecycle", "emergency", "pricing", "decisions"];

/// Top-level compose services and their text blocks.
fn compose_services(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_services = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_services = line.trim_end() == "services:";
            continue;
        }
        if !in_services {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 2 && line.trim_end().ends_with(':') && !line.trim_start().starts_with('#') {
            out.push((line.trim().trim_end_matches(':').to_owned(), String::new()));
        } else if let Some((_, block)) = out.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    out
}

/// docker-compose.yml and its top-level services.
fn compose() -> anyhow::Result<(String, Vec<(String, String)>)> {
    let text = std::fs::read_to_string(repo_root().join("docker-compose.yml"))?;
    let services = compose_services(&text);
    Ok((text, services))
}

/// The block of compose service `name`.
fn service_block<'a>(services: &'a [(String, String)], name: &str) -> anyhow::Result<&'a str> {
    services
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b.as_str())
        .ok_or_else(|| anyhow::anyhow!("docker-compose.yml has no service {name}"))
}

/// Keys of `environment:` maps in a block (`KEY: value` lines).
fn env_names(block: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_env = false;
    let mut env_indent = 0;
    for line in block.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if trimmed == "environment:" {
            in_env = true;
            env_indent = indent;
            continue;
        }
        if in_env && indent <= env_indent && !trimmed.is_empty() {
            in_env = false;
        }
        // `<<: *anchor` merges the shared block, checked on its own.
        if in_env
            && let Some((key, _)) = trimmed.trim_start_matches("- ").split_once([':', '='])
            && key.trim() != "<<"
        {
            names.push(key.trim().to_owned());
        }
    }
    names
}

#[test]
fn every_service_binary_has_a_compose_service_with_known_env_and_readiness() -> anyhow::Result<()> {
    let (text, services) = compose()?;
    for svc in SERVICES {
        let block = service_block(&services, svc)?;
        assert!(block.contains(&format!("spot-{svc}")), "{svc} must run the spot-{svc} binary");
        assert!(block.contains("/readyz"), "{svc} needs a healthcheck on /readyz");
        assert!(block.contains("condition: service_healthy"), "{svc} must depend on healthy services");
        for name in env_names(block) {
            assert!(
                spotctl::settings::all().iter().any(|s| s.env == name),
                "{svc} sets {name}, which the config does not read"
            );
        }
        assert!(!env_names(block).is_empty(), "{svc} has no environment");
    }
    // The shared environment block merged into every service.
    let shared: Vec<String> = text
        .split("x-spot-env: &spot-env\n")
        .nth(1)
        .map(|rest| rest.lines().take_while(|l| l.starts_with("  ")).map(|l| format!("    {l}")).collect())
        .unwrap_or_default();
    let shared_names = env_names(&format!("  environment:\n{}", shared.join("\n")));
    assert!(
        shared_names.contains(&"DATABASE_URL".to_owned()) && shared_names.contains(&"NATS_URL".to_owned())
    );
    for name in shared_names {
        assert!(
            spotctl::settings::all().iter().any(|s| s.env == name),
            "x-spot-env sets {name}, which the config does not read"
        );
    }
    for infra in ["postgres", "nats"] {
        assert!(services.iter().any(|(n, _)| n == infra), "compose needs {infra}");
    }
    let nats = services.iter().find(|(n, _)| n == "nats").map(|(_, b)| b.as_str()).unwrap_or_default();
    assert!(nats.contains("-js") && nats.contains("volumes"), "NATS needs JetStream on a volume");
    Ok(())
}

#[test]
fn every_binary_is_built_by_the_dockerfile() -> anyhow::Result<()> {
    let dockerfile = std::fs::read_to_string(repo_root().join("deploy/Dockerfile"))?;
    for svc in SERVICES {
        assert!(dockerfile.contains(&format!("spot-{svc}")), "Dockerfile must ship spot-{svc}");
    }
    assert!(dockerfile.contains("spotctl"));
    Ok(())
}

#[test]
fn vendored_fixtures_match_the_shared_captures() -> anyhow::Result<()> {
    let shared = repo_root().join("../shared/fixtures/agent-v4");
    if !shared.exists() {
        return Ok(()); // Outside the workplace layout there is nothing to compare.
    }
    for entry in std::fs::read_dir(&shared)? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_owned()).unwrap_or_default();
        let ours = repo_root().join("tests/fixtures/agent-v4").join(&name);
        assert_eq!(std::fs::read(&path)?, std::fs::read(&ours)?, "fixture {name:?} differs from shared/");
    }
    Ok(())
}

#[test]
fn the_docs_document_every_setting() -> anyhow::Result<()> {
    let table = std::fs::read_to_string(repo_root().join("docs/CONFIGURATION.md"))?;
    for s in spotctl::settings::all() {
        assert!(table.contains(&format!("`{}`", s.env)), "docs/CONFIGURATION.md misses {}", s.env);
        assert!(table.contains(s.key), "docs/CONFIGURATION.md misses file key {}", s.key);
    }
    let readme = std::fs::read_to_string(repo_root().join("README.md"))?;
    assert!(readme.contains("docs/CONFIGURATION.md"), "README must point to the settings table");
    let lines: Vec<&str> = readme.lines().take(6).collect();
    assert!(
        lines.iter().any(|l| l.starts_with("make run")) && lines.iter().any(|l| l.starts_with("make test"))
    );
    Ok(())
}

#[test]
fn nats_stream_definitions_match_the_code() -> anyhow::Result<()> {
    let defs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("deploy/nats/streams.json"))?)?;
    let streams = defs["streams"].as_array().cloned().unwrap_or_default();
    assert_eq!(streams.len(), spot_contracts::subjects::ALL_STREAMS.len());
    for def in spot_contracts::subjects::ALL_STREAMS {
        let found = streams.iter().find(|s| s["name"] == def.name);
        let subjects = found.map(|s| s["subjects"].clone());
        assert_eq!(subjects, Some(serde_json::json!([def.subject_filter()])), "{}", def.name);
    }
    Ok(())
}

/// The tool each image's health check runs, and the images known to carry it
/// (checked by hand against the images; no Docker engine runs here).
const HEALTHCHECK_TOOLS: &[(&str, &[&str])] = &[
    ("pg_isready", &["postgres:"]),
    // busybox wget: only the alpine variant of the nats image has a shell userland.
    ("wget", &["nats:2.10.24-alpine"]),
    // deploy/Dockerfile installs curl into the service image.
    ("curl", &["spot-optimizer:"]),
    // busybox wget: prom/prometheus is built on busybox, grafana/grafana (not -ubuntu) on alpine.
    ("wget", &["prom/prometheus:v2.", "grafana/grafana:11."]),
];

#[test]
fn every_image_is_pinned_and_its_healthcheck_tool_exists_in_it() -> anyhow::Result<()> {
    let text = std::fs::read_to_string(repo_root().join("docker-compose.yml"))?;
    let dockerfile = std::fs::read_to_string(repo_root().join("deploy/Dockerfile"))?;
    assert!(dockerfile.contains("curl"), "the service image must install curl for its health check");
    let shared_image = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("image: spot-optimizer"))
        .map(|rest| format!("spot-optimizer{rest}"));
    for (name, block) in compose_services(&text) {
        let image = block
            .lines()
            .find_map(|l| l.trim().strip_prefix("image: ").map(str::to_owned))
            .or_else(|| shared_image.clone())
            .ok_or_else(|| anyhow::anyhow!("{name} has no image"))?;
        // A release, not a moving major tag: `15.10-bookworm`, `2.10.24-alpine`.
        let version = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("").split('-').next().unwrap_or("");
        assert!(
            image.starts_with("spot-optimizer") || version.contains('.'),
            "{name}: third-party image {image} must be pinned to a release"
        );
        let Some(check) = block.lines().find(|l| l.contains("test: [")) else { continue };
        let tools: Vec<_> = HEALTHCHECK_TOOLS.iter().filter(|(tool, _)| check.contains(tool)).collect();
        assert!(!tools.is_empty(), "{name}: health check uses a tool not in the known table: {check}");
        assert!(
            tools.iter().any(|(_, images)| images.iter().any(|prefix| image.starts_with(prefix))),
            "{name}: image {image} is not known to carry the tool of {check}"
        );
    }
    Ok(())
}

/// Services of the `monitoring` profile.
const MONITORING: [&str; 3] = ["prometheus", "grafana", "jaeger"];

#[test]
fn the_monitoring_profile_mounts_files_that_exist_and_scrapes_every_service() -> anyhow::Result<()> {
    let (text, services) = compose()?;
    for name in MONITORING {
        let block = service_block(&services, name)?;
        assert!(
            block.contains("profiles: [\"monitoring\"]"),
            "{name} belongs to the monitoring profile only"
        );
        for mount in block.lines().filter_map(|l| l.trim().strip_prefix("- ./")) {
            let host = mount.split(':').next().unwrap_or_default();
            assert!(repo_root().join(host).exists(), "{name} mounts {host}, which is not in the repository");
        }
    }
    for (name, block) in &services {
        if !MONITORING.contains(&name.as_str()) {
            assert!(!block.contains("profiles:"), "{name} must start without a profile");
        }
    }
    // Prometheus scrapes each service on the HTTP port compose gives it.
    let scrape = std::fs::read_to_string(repo_root().join("deploy/prometheus/prometheus.yml"))?;
    for svc in SERVICES {
        let block = service_block(&services, svc)?;
        let port = block
            .lines()
            .find_map(|l| {
                l.contains("HTTP_ADDR:").then(|| l.rsplit(':').next().unwrap_or_default().trim().to_owned())
            })
            .ok_or_else(|| anyhow::anyhow!("{svc} sets no HTTP address"))?;
        assert!(scrape.contains(&format!("job_name: spot-{svc}")), "no scrape job spot-{svc}");
        assert!(scrape.contains(&format!("\"{svc}:{port}\"")), "spot-{svc} must be scraped at {svc}:{port}");
    }
    // The collector the services export to is the one the profile starts.
    assert!(text.contains("OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4317"), "document the OTLP endpoint");
    assert!(text.contains("4317:4317"), "jaeger must take OTLP/gRPC on 4317");
    Ok(())
}
